// `bt` without unwind tables: the words on the stack between rsp and the call's return slot that are return
// addresses, i.e. point into executable module code just after a call instruction (as gdb's heuristic
// scan does when it has no CFI).

export interface StackView {
  rsp: number;
  /** Where to stop scanning (exclusive): the slot holding the call's own return address, or the stack top. */
  limit: number;
  peek(va: number, length: number): Uint8Array | null;
  /** True when va lies in an executable mapping of a loaded module. */
  isModuleCode(va: number): boolean;
}

const MAX_WORDS = 1 << 16;

/** Whether the bytes just before `ret` end with a call: `e8 rel32`, or `ff /2` with any ModRM form. */
function followsCall(peek: StackView['peek'], ret: number): boolean {
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

/** Return addresses found on the stack, innermost first. */
export function scanReturnAddresses(view: StackView): number[] {
  const out: number[] = [];
  const start = view.rsp - (view.rsp % 8);
  const words = Math.min(MAX_WORDS, Math.max(0, Math.floor((view.limit - start) / 8)));
  const bytes = view.peek(start, words * 8);
  if (!bytes) return out;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let k = 0; k < words; k++) {
    const w = dv.getBigUint64(k * 8, true);
    if (w >= 1n << 47n) continue;
    const va = Number(w);
    if (view.isModuleCode(va) && followsCall(view.peek, va)) out.push(va);
  }
  return out;
}
