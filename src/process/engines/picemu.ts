// picemu's own CPU (cpu/) as a process engine: the Cpu already has the register file and run loop the Engine
// boundary names; this adds the traced step and instruction bytes.
import { Cpu, type RunOutcome } from '../../cpu/index.ts';
import type { VirtAddr } from '../../mm/types.ts';
import type { Engine, EngineAccess, EngineFactory } from './engine.ts';

export class PicemuEngine extends Cpu implements Engine {
  readonly name = 'picemu' as const;

  stepTraced(onAccess: (access: EngineAccess) => void): RunOutcome {
    const previous = this.hooks;
    this.setHooks({ ...previous, access: (kind, va, size, lo, hi, ripRelative) => onAccess({ kind, va, size, lo, hi, ripRelative }) });
    try {
      return this.step();
    } finally {
      this.setHooks(previous);
    }
  }

  instructionBytes(va: VirtAddr): Uint8Array {
    return this.instructionAt(va).bytes;
  }

  dispose(): void {}
}

/** The machine's CPU profile (Machine's `cpu` option); the unicorn facade keeps the SSE2 default. */
export const picemuEngine: EngineFactory = ({ memory, profile, jit }) => new PicemuEngine(memory, { profile, jit });
