// What an emulated process inherits from picemu's own host process and prints as is in /proc/PID/status:
// capabilities, seccomp, speculation mitigations, memory nodes and the pending-signal limit.
import { readFileSync } from 'node:fs';

export interface HostIdentity {
  /** status lines copied verbatim, by label (CapInh, CapPrm, ..., Mems_allowed_list). */
  lines: ReadonlyMap<string, string>;
  /** RLIMIT_SIGPENDING (SigQ's limit). */
  sigPendingLimit: number;
}

const INHERITED = [
  'CapInh', 'CapPrm', 'CapEff', 'CapBnd', 'CapAmb', 'NoNewPrivs', 'Seccomp', 'Seccomp_filters',
  'Speculation_Store_Bypass', 'SpeculationIndirectBranch', 'Mems_allowed', 'Mems_allowed_list',
];

/** Defaults where the host has no /proc (an unprivileged process's values). */
const FALLBACK: Record<string, string> = {
  CapInh: '0000000000000000', CapPrm: '0000000000000000', CapEff: '0000000000000000', CapBnd: '000001ffffffffff',
  CapAmb: '0000000000000000', NoNewPrivs: '0', Seccomp: '0', Seccomp_filters: '0',
  Speculation_Store_Bypass: 'vulnerable', SpeculationIndirectBranch: 'always enabled',
  Mems_allowed: '00000001', Mems_allowed_list: '0',
};

let cached: HostIdentity | undefined;

export function hostIdentity(): HostIdentity {
  if (cached) return cached;
  const lines = new Map<string, string>();
  let sigPendingLimit = 0;
  try {
    for (const line of readFileSync('/proc/self/status', 'utf8').split('\n')) {
      const m = /^([^:]+):\t?(.*)$/.exec(line);
      if (!m) continue;
      if (INHERITED.includes(m[1]!)) lines.set(m[1]!, m[2]!);
      if (m[1] === 'SigQ') sigPendingLimit = Number(m[2]!.split('/')[1]);
    }
  } catch {
    // No /proc on this host: the fallbacks below.
  }
  for (const k of INHERITED) if (!lines.has(k)) lines.set(k, FALLBACK[k]!);
  cached = { lines, sigPendingLimit: sigPendingLimit || 63_451 };
  return cached;
}
