// Block compiler: a hot basic block as one JavaScript function that calls each instruction's handler in turn. The
// behaviour is the instruction table's (no instruction is written here); the function saves the run loop's
// per-instruction dispatch and gives V8 one call site per instruction, where it can inline the handler.
import type { Cpu } from './cpu.ts';
import type { Exec } from './handler.ts';

/** Runs the block's first n instructions; returns how many completed (fewer when code was overwritten). */
export type BlockFn = (c: Cpu, x: Exec[]) => number;

/** Compiles the first `n` instructions of a block (their handlers are `x[0..n-1]` when it runs). */
export function compileBlock(n: number): BlockFn {
  const parts: string[] = ['let i = 0;', 'try {'];
  for (let i = 0; i < n; i++) {
    if (i > 0) parts.push(`i = ${i};`);
    // A write may land on this block's code (self-modifying code): leave before running stale instructions.
    parts.push(`x[${i}](c); if (c.smc) return ${i + 1};`);
  }
  parts.push(`return ${n};`, '} catch (e) { c.jitIndex = i; throw e; }');
  return new Function('c', 'x', parts.join('\n')) as BlockFn;
}
