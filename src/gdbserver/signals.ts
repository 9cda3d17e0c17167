// Signal numbers on the wire: the remote protocol speaks gdb's own numbering (include/gdb/signals.def), not
// Linux's; gdbserver translates both ways (gdb_signal_from_host / gdb_signal_to_host), and so does picemu.

/** Linux x86-64 signal n (1..31) → gdb's number; 16 SIGSTKFLT has none (GDB_SIGNAL_UNKNOWN). */
const FROM_HOST: readonly number[] = [
  0, 1, 2, 3, 4, 5, 6, 10, 8, 9, 30, 11, 31, 13, 14, 15, 143, 20, 19, 17, 18, 21, 22, 16, 24, 25, 26, 27, 28, 23, 32, 12,
];

const GDB_SIGNAL_UNKNOWN = 143;

/** gdb's number for Linux signal `sig` (real-time 32..64 included). */
export function gdbSignal(sig: number): number {
  if (sig >= 0 && sig < 32) return FROM_HOST[sig]!;
  if (sig === 32) return 77; // GDB_SIGNAL_REALTIME_32
  if (sig >= 33 && sig <= 63) return 45 + (sig - 33); // GDB_SIGNAL_REALTIME_33..63
  if (sig === 64) return 78; // GDB_SIGNAL_REALTIME_64
  return GDB_SIGNAL_UNKNOWN;
}

/** Linux's number for gdb's signal `n`, undefined when Linux has no such signal. */
export function hostSignal(n: number): number | undefined {
  for (let sig = 1; sig <= 64; sig++) if (gdbSignal(sig) === n) return sig;
  return n === 0 ? 0 : undefined;
}
