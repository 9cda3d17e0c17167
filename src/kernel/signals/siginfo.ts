// siginfo_t as the kernel fills it for the x86-64 ABI (128 bytes): signo, errno, code, then the union laid out
// by kind — kill/tkill (pid, uid), faults (addr), SIGCHLD (pid, uid, status, utime, stime).
import type { PendingSignal } from '../signal-state.ts';
import { SI_KERNEL, SIGBUS, SIGCHLD, SIGFPE, SIGILL, SIGSEGV, SIGTRAP } from './constants.ts';

export const SIGINFO_SIZE = 128;

/** A queued signal with everything its siginfo_t and a frame's sigcontext need. */
export interface SigInfo extends PendingSignal {
  /** SIGCHLD: the child's status (exit code, or the signal), user and system time in clock ticks. */
  status?: number;
  utime?: number;
  stime?: number;
  /** For faults: the trap number and hardware error code sigcontext reports (trapno, err), and cr2. */
  trap?: { trapno: number; err: number; cr2: number };
}

const FAULT_SIGNALS = new Set([SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGTRAP]);

/** Whether the union holds a fault address (siginfo_layout: a fault signal with 0 < si_code < SI_KERNEL). */
function isFaultLayout(info: SigInfo): boolean {
  return FAULT_SIGNALS.has(info.signo) && info.code > 0 && info.code < SI_KERNEL;
}

export function encodeSiginfo(info: SigInfo): Uint8Array {
  const out = new Uint8Array(SIGINFO_SIZE);
  const v = new DataView(out.buffer);
  v.setInt32(0, info.signo, true);
  v.setInt32(4, 0, true);
  v.setInt32(8, info.code, true);
  if (isFaultLayout(info)) {
    v.setBigUint64(16, BigInt(info.addr ?? 0), true);
  } else {
    v.setInt32(16, info.pid ?? 0, true);
    v.setUint32(20, info.uid ?? 0, true);
    if (info.signo === SIGCHLD && info.code > 0) {
      v.setInt32(24, info.status ?? 0, true);
      v.setBigInt64(32, BigInt(info.utime ?? 0), true);
      v.setBigInt64(40, BigInt(info.stime ?? 0), true);
    }
  }
  return out;
}
