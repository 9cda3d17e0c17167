// Budgets and deadlines: a run stopped by its instruction budget stops after exactly that many instructions
// (native unicorn-engine, counting with a code hook and stopping with `count`, is the oracle), and a
// budget or a deadline always ends a run with an outcome that names it, for the CPU and for Process.call.
import { describe, expect, it } from 'vitest';
import { Cpu, type RunOutcome } from '../../src/cpu/index.ts';
import { AddressSpace, createSharedMemory, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/index.ts';
import { CallLimitError } from '../../src/process/errors.ts';
import { Machine } from '../../src/process/machine.ts';
import { constants as UC } from '../../src/unicorn/constants.ts';
import { loadNativeUnicorn } from '../helpers/native-unicorn.ts';
import { hasNativeUnicorn } from '../helpers/lockstep.ts';

const CODE = 0x400000;
const STACK = 0x7000000;
const STACK_SIZE = 0x10000;
/** Data for string instructions. */
const DATA = 0x10000000;
const DATA_SIZE = 0x400000;

/** Hand-assembled programs, each ending at `end` (where runs stop with `until`). */
const programs: { name: string; code: number[]; end: number }[] = [
  {
    // xor eax,eax; mov ecx,300; L: add eax,3; dec ecx; jnz L
    name: 'counted loop',
    code: [0x31, 0xc0, 0xb9, 0x2c, 0x01, 0x00, 0x00, 0x83, 0xc0, 0x03, 0xff, 0xc9, 0x75, 0xf9, 0xf4],
    end: 0xe,
  },
  {
    // xor eax,eax; mov ebx,12; outer: mov ecx,7; inner: call F; dec ecx; jnz inner; dec ebx; jnz outer; hlt
    // F: add rax,rcx; inc rax; ret
    name: 'nested loops with calls',
    code: [
      0x31, 0xc0, 0xbb, 0x0c, 0x00, 0x00, 0x00, 0xb9, 0x07, 0x00, 0x00, 0x00, 0xe8, 0x09, 0x00, 0x00, 0x00, 0xff, 0xc9, 0x75,
      0xf7, 0xff, 0xcb, 0x75, 0xee, 0xf4, 0x48, 0x01, 0xc8, 0x48, 0xff, 0xc0, 0xc3,
    ],
    end: 0x19,
  },
  {
    // mov ecx,200; L: mov edx,ecx; and edx,3; jz skip; push rcx; add [rsp],rdx; pop rax; skip: loop L; hlt
    name: 'branches, stack traffic and loop',
    code: [0xb9, 0xc8, 0x00, 0x00, 0x00, 0x89, 0xca, 0x83, 0xe2, 0x03, 0x74, 0x06, 0x51, 0x48, 0x01, 0x14, 0x24, 0x58, 0xe2, 0xf1, 0xf4],
    end: 0x14,
  },
];

const REGS: [string, number][] = [['rax', UC.X86_REG_RAX], ['rbx', UC.X86_REG_RBX], ['rcx', UC.X86_REG_RCX], ['rdx', UC.X86_REG_RDX], ['rsp', UC.X86_REG_RSP], ['rdi', UC.X86_REG_RDI], ['rip', UC.X86_REG_RIP]];

/**
 * A rep-prefixed string instruction: unicorn runs (and counts, and hooks) it one iteration at a time, so a
 * budget can stop it midway with RCX/RDI showing the progress, and a run can resume it. Counted as one
 * instruction, a single `rep stosb` would do unbounded work (and allocate unbounded memory) under any budget.
 */
const repProgram = {
  // mov edi,DATA; mov ecx,DATA_SIZE; mov al,0x5a; rep stosb; hlt
  name: 'rep stosb over 4 MiB',
  code: [0xbf, 0x00, 0x00, 0x00, 0x10, 0xb9, 0x00, 0x00, 0x40, 0x00, 0xb0, 0x5a, 0xf3, 0xaa, 0xf4],
  end: 0xe,
};

/** Native unicorn: the RIP of every instruction executed to the end, and the registers after `count` instructions. */
function native(code: number[], end: number) {
  const m = loadNativeUnicorn()!;
  const fresh = () => {
    const uc = new m.Unicorn(UC.ARCH_X86, UC.MODE_64);
    uc.mem_map(CODE, 0x1000, UC.PROT_READ | UC.PROT_EXEC);
    uc.mem_write(CODE, code);
    uc.mem_map(STACK, STACK_SIZE, UC.PROT_READ | UC.PROT_WRITE);
    uc.mem_map(DATA, DATA_SIZE, UC.PROT_READ | UC.PROT_WRITE);
    uc.reg_write(UC.X86_REG_RSP, STACK + STACK_SIZE - 0x100);
    return uc;
  };
  const trace = (): number[] => {
    const uc = fresh();
    const rips: number[] = [];
    uc.hook_add(UC.HOOK_CODE, (_u: unknown, address: bigint) => void rips.push(Number(address)), undefined, 1, 0);
    uc.emu_start(CODE, CODE + end, 0, 0);
    uc.close();
    return rips;
  };
  const after = (count: number): Record<string, bigint> => {
    const uc = fresh();
    if (count > 0) uc.emu_start(CODE, CODE + end, 0, count); // count 0 means "no limit" to unicorn
    else uc.reg_write(UC.X86_REG_RIP, CODE);
    const out = Object.fromEntries(REGS.map(([n, id]) => [n, BigInt(uc.reg_value(id))]));
    uc.close();
    return out;
  };
  return { rips: trace(), after };
}

function picemu(code: number[], jit: 'auto' | 'always' | 'off', hooked: boolean) {
  const shared = createSharedMemory();
  const space = new AddressSpace({ ...shared, protections: 'strict' });
  space.mmap({ addr: CODE, length: 0x1000, prot: PROT_READ | PROT_EXEC, fixed: true });
  space.poke(CODE, Uint8Array.from(code));
  space.mmap({ addr: STACK, length: STACK_SIZE, prot: PROT_READ | PROT_WRITE, fixed: true });
  space.mmap({ addr: DATA, length: DATA_SIZE, prot: PROT_READ | PROT_WRITE, fixed: true });
  const cpu = new Cpu(space, { jit, jitThreshold: 2 });
  if (hooked) cpu.setHooks({ code: () => {} });
  const reset = () => {
    cpu.r64.fill(0n);
    cpu.rflags = 0x2;
    cpu.setReg('rsp', STACK + STACK_SIZE - 0x100);
    cpu.rip = CODE;
  };
  const regs = () => Object.fromEntries(REGS.map(([n]) => [n, cpu.reg(n)]));
  return { cpu, reset, regs };
}

describe.skipIf(!hasNativeUnicorn())('instruction budgets stop after exactly N instructions (native unicorn as oracle)', () => {
  for (const prog of programs) {
    describe(prog.name, () => {
      const oracle = native(prog.code, prog.end);
      const total = oracle.rips.length;
      const budgets = [...new Set([0, 1, 2, 3, 5, 7, 8, 13, 31, 64, 100, 257, total - 2, total - 1, total, total + 1, total + 1000].filter((b) => b >= 0))];

      it('the program runs long enough to matter', () => expect(total).toBeGreaterThan(400));

      for (const [jit, hooked] of [['off', false], ['always', false], ['auto', false], ['auto', true]] as const) {
        it(`jit ${jit}${hooked ? ', code hook' : ''}: outcome, count, RIP and registers equal native after every budget`, () => {
          const p = picemu(prog.code, jit, hooked);
          // Warm the block cache first, so later runs start with compiled and linked blocks.
          p.reset();
          expect(p.cpu.run({ until: CODE + prog.end }).kind).toBe('until');
          for (const budget of budgets) {
            p.reset();
            const out = p.cpu.run({ until: CODE + prog.end, maxInstructions: budget });
            if (budget < total) {
              expect(out, `budget ${budget}`).toEqual({ kind: 'budget', executed: budget });
              expect(p.cpu.rip, `RIP after ${budget}`).toBe(oracle.rips[budget]);
            } else {
              expect(out, `budget ${budget}`).toEqual({ kind: 'until', executed: total });
            }
            expect(p.regs(), `registers after budget ${budget}`).toEqual(oracle.after(Math.min(budget, total)));
          }
        });
      }

      it('a run resumed budget by budget executes the same instructions as one run (no overshoot, no skip)', () => {
        const p = picemu(prog.code, 'auto', false);
        p.reset();
        let done = 0;
        for (let step = 1; ; step = (step * 3 + 1) % 17 || 1) {
          const out = p.cpu.run({ until: CODE + prog.end, maxInstructions: step });
          done += out.executed;
          if (out.kind === 'until') break;
          expect(out.kind).toBe('budget');
          expect(out.executed).toBe(step);
          expect(p.cpu.rip, `after ${done}`).toBe(oracle.rips[done]);
        }
        expect(done).toBe(total);
        expect(p.regs()).toEqual(oracle.after(total));
      });
    });
  }
});

describe.skipIf(!hasNativeUnicorn())('instruction budgets bound rep string instructions as unicorn counts them', () => {
  const m = loadNativeUnicorn();
  const nativeAfter = (count: number) => {
    const uc = new m!.Unicorn(UC.ARCH_X86, UC.MODE_64);
    uc.mem_map(CODE, 0x1000, UC.PROT_READ | UC.PROT_EXEC);
    uc.mem_write(CODE, repProgram.code);
    uc.mem_map(DATA, DATA_SIZE, UC.PROT_READ | UC.PROT_WRITE);
    uc.emu_start(CODE, CODE + repProgram.end, 0, count);
    const out = { rip: BigInt(uc.reg_value(UC.X86_REG_RIP)), rcx: BigInt(uc.reg_value(UC.X86_REG_RCX)), rdi: BigInt(uc.reg_value(UC.X86_REG_RDI)) };
    uc.close();
    return out;
  };

  it('a budget of N stops a long rep stosb after N counted iterations (RIP at the rep, RCX and RDI as native)', () => {
    for (const budget of [4, 1000]) {
      const p = picemu(repProgram.code, 'auto', false);
      p.reset();
      const t = performance.now();
      const out = p.cpu.run({ until: CODE + repProgram.end, maxInstructions: budget });
      const ms = performance.now() - t;
      expect({ rip: BigInt(p.cpu.rip), rcx: p.cpu.reg('rcx'), rdi: p.cpu.reg('rdi') }, `after ${budget}`).toEqual(nativeAfter(budget));
      expect(out).toEqual({ kind: 'budget', executed: budget });
      expect(ms, 'a budget-limited run is quick').toBeLessThan(100);
    }
  });

  it('a deadline interrupts a long rep stosb', () => {
    const p = picemu(repProgram.code, 'auto', false);
    p.reset();
    const t = performance.now();
    const out = p.cpu.run({ until: CODE + repProgram.end, deadlineMs: 5 });
    expect(performance.now() - t).toBeLessThan(100);
    expect(out.kind).toBe('timeout');
  });
});

describe('deadlines and budgets end runs with an outcome that names them', () => {
  const spin = [0xeb, 0xfe]; // jmp $

  it('the CPU: an endless loop stops at its deadline with outcome timeout, in every loop kind', () => {
    for (const [jit, hooked] of [['off', false], ['auto', false], ['auto', true]] as const) {
      const p = picemu(spin, jit, hooked);
      p.reset();
      const t = performance.now();
      const out: RunOutcome = p.cpu.run({ deadlineMs: 50 });
      const ms = performance.now() - t;
      expect(out.kind, `jit ${jit} hooked ${hooked}`).toBe('timeout');
      expect(out.executed).toBeGreaterThan(0);
      expect(ms).toBeGreaterThanOrEqual(49);
      expect(ms).toBeLessThan(1000);
      // The count is exact: RIP is still the loop, and the run can continue.
      expect(p.cpu.rip).toBe(CODE);
      expect(p.cpu.run({ maxInstructions: 10 })).toEqual({ kind: 'budget', executed: 10 });
    }
  });

  it('the CPU: a budget and a deadline together: whichever comes first names the outcome', () => {
    const p = picemu(spin, 'auto', false);
    p.reset();
    expect(p.cpu.run({ maxInstructions: 1000, deadlineMs: 10_000 })).toEqual({ kind: 'budget', executed: 1000 });
    const out = p.cpu.run({ maxInstructions: 1e15, deadlineMs: 30 });
    expect(out.kind).toBe('timeout');
  });

  /** A process with a code page of its own (no loader needed): `code` at a fresh r-x mapping. */
  async function processWith(code: number[]) {
    const machine = await Machine.create({ seed: 7 });
    const proc = machine.spawn();
    const at = proc.space.mmap({ length: 0x1000, prot: PROT_READ | PROT_EXEC });
    proc.space.poke(at, Uint8Array.from(code));
    return { proc, at };
  }

  it('Process.call: a budget ends the call with CallLimitError(budget) after exactly that many instructions', async () => {
    const prog = programs[0]!;
    const oracle = native(prog.code, prog.end);
    const { proc, at } = await processWith(prog.code);
    for (const budget of [1, 17, 250]) {
      let err: unknown;
      try {
        proc.call(at, [], { budget });
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(CallLimitError);
      const e = err as CallLimitError;
      expect(e.limit).toBe('budget');
      expect(e.executed).toBe(budget);
      expect(e.message).toMatch(new RegExp(`instruction budget of ${budget} ran out`));
      expect(proc.cpu.rip - at).toBe(oracle.rips[budget]! - CODE);
    }
  });

  it('Process.call: a deadline ends an endless call with CallLimitError(timeout), traced or not', async () => {
    const { proc, at } = await processWith(spin);
    for (const trace of [false, true]) {
      const t = performance.now();
      let err: unknown;
      try {
        proc.call(at, [], { deadlineMs: 40, trace });
      } catch (e) {
        err = e;
      }
      expect(performance.now() - t).toBeLessThan(2000);
      expect(err).toBeInstanceOf(CallLimitError);
      expect((err as CallLimitError).limit).toBe('timeout');
      expect((err as Error).message).toMatch(/deadline of 40 ms passed/);
    }
  });
});
