// Backtraces without unwind tables: frame #0 is rip; the others are the words on the active call's stack that
// are return addresses, i.e. point into executable module code just after a call instruction (the heuristic
// scan gdb falls back to when it has no CFI).
import type { VirtAddr } from '../mm/types.ts';
import type { Location } from '../trace/events.ts';

/** One frame of a backtrace (a stack frame, not mm's physical Frame): a code address and where it lies. */
export interface StackFrame {
  /** #0: the instruction about to execute; #1…: a return address found on the stack. */
  pc: VirtAddr;
  /** Mapped address of the stack slot holding `pc` (absent for #0, which is rip). */
  slot?: VirtAddr;
  location: Location;
}

export interface StackView {
  rsp: VirtAddr;
  /** Where to stop scanning (exclusive): the slot holding the call's own return address. */
  limit: VirtAddr;
  peek(va: VirtAddr, length: number): Uint8Array | null;
  /** True when va lies in an executable mapping of a loaded module. */
  isModuleCode(va: VirtAddr): boolean;
}

const MAX_WORDS = 1 << 16;

/** Whether the bytes just before `ret` end with a call: `e8 rel32`, or `ff /2` with any ModRM form. */
export function followsCall(peek: StackView['peek'], ret: VirtAddr): boolean {
  const before = peek(ret - 7, 7);
  if (!before) return false;
  if (before[2] === 0xe8) return true; // e8 rel32: 5 bytes
  // ff /2: 2 (ff d0 / ff 10), 3 (disp8), 6 (disp32 or rip-relative), 7 (SIB + disp32) bytes back.
  for (const len of [2, 3, 4, 6, 7]) {
    const op = before[7 - len];
    const modrm = before[7 - len + 1];
    if (op === 0xff && modrm !== undefined && ((modrm >> 3) & 7) === 2) return true;
  }
  return false;
}

/**
 * Return addresses on the stack between rsp and `limit`, innermost first, with their slots.
 *
 * What this can know: the call's entry rsp bounds the scan (nothing above it belongs to this call), and each
 * candidate points into module code just after a call instruction. What it cannot know, with no unwind tables
 * (.eh_frame) used: whether a matching word is a live return address or a stale one left in a dead frame or a
 * spilled value that happens to look like one (extra frames), and frames whose return address is not on the
 * stack at all (a function reached by a tail-call jmp replaced its caller's frame, so that caller is missing).
 */
export function scanReturnAddresses(view: StackView): { pc: VirtAddr; slot: VirtAddr }[] {
  const out: { pc: VirtAddr; slot: VirtAddr }[] = [];
  const start = view.rsp - (view.rsp % 8);
  const words = Math.min(MAX_WORDS, Math.max(0, Math.floor((view.limit - start) / 8)));
  const bytes = view.peek(start, words * 8);
  if (!bytes) return out;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < words; k++) {
    const w = dv.getBigUint64(k * 8, true);
    if (w >= 1n << 47n) continue;
    const va = Number(w);
    if (view.isModuleCode(va) && followsCall(view.peek, va)) out.push({ pc: va, slot: start + 8 * k });
  }
  return out;
}
