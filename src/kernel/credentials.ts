// The guest's user and group ids: the host user's (so files the host user can read, the guest can).
import { readFileSync } from 'node:fs';
import type { Credentials } from './task.ts';

/**
 * The host process's supplementary groups as the kernel keeps them (/proc/self/status `Groups:`): node's
 * process.getgroups() adds the effective gid, which getgroups(2) does not.
 */
function hostGroups(): number[] {
  try {
    const line = readFileSync('/proc/self/status', 'utf8').match(/^Groups:(.*)$/m);
    if (line) return line[1]!.trim().split(/\s+/).filter((g) => g !== '').map(Number);
  } catch {
    // no procfs: node's list
  }
  return process.getgroups?.() ?? [];
}

export function hostCredentials(): Credentials {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return { uid, euid: process.geteuid?.() ?? uid, suid: uid, gid, egid: process.getegid?.() ?? gid, sgid: gid, groups: hostGroups() };
}
