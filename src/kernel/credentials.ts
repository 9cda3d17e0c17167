// The guest's user and group ids: the host user's (so files the host user can read, the guest can).
import type { Credentials } from './task.ts';

export function hostCredentials(): Credentials {
  const uid = process.getuid?.() ?? 0;
  const gid = process.getgid?.() ?? 0;
  return { uid, euid: process.geteuid?.() ?? uid, suid: uid, gid, egid: process.getegid?.() ?? gid, sgid: gid, groups: process.getgroups?.() ?? [] };
}
