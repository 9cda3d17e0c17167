// What an instruction table entry's `compile` field holds: how the region compiler compiles that form (the
// emission, through the Emitter's primitives), and what the driver must know about it (exits, block ends).
import type { Insn } from '../decode.ts';
import type { Emitter } from './region.ts';

export interface Rule {
  /** Emits the instruction; `live` are the flags it writes that a later instruction or exit reads, `k` its index in the block. */
  emit(e: Emitter, live: number, k: number): void;
  /** May leave the region before it (a TLB miss, an alignment check): every flag must be exact before it. */
  exits: boolean;
  /**
   * Ends the block, its emission transferring control: 'jump' (jmp/jcc: only flags, so the flags of the instruction
   * before it may be computed per edge), 'call' or 'ret' (they touch the stack, so they may exit).
   */
  ends?: 'jump' | 'call' | 'ret';
  /** Computes its flags through `Emitter.flagsFrom` (so they may be deferred to a final jump's edges). */
  defers?: boolean;
}

/** A table entry's compile field: the rule for one decoded instruction of its Codes, or null (that form runs as a handler). */
export type CompileRule = (insn: Insn) => Rule | null;
