// Hooks called from compiled code (cpu/compile/hooks.ts) against native unicorn-engine: the same programs with the
// same hooks through picemu/unicorn with the compiler off, on ('auto') and forced on from the first execution
// ('always') give native unicorn's hook calls (address, size; access type, address, size, value), in its order,
// and its final registers and memory; hooks that stop the run, move RIP, write registers or code, and faults too.
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import MUnicorn from '../../src/unicorn/index.ts';
import { hasNativeUnicorn } from '../helpers/lockstep.ts';
import { Image, LAYOUT, mapLibrary, mapProcessAreas } from '../helpers/lockstep-image.ts';
import { loadNativeUnicorn } from '../helpers/native-unicorn.ts';
import { repoRoot } from '../helpers/oracles.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
type Uc = any;
type Jit = 'off' | 'auto' | 'always';
const MODES: Jit[] = ['off', 'auto', 'always'];

const available = hasNativeUnicorn();
const picemu: Uc = await MUnicorn();
const native: Uc = available ? loadNativeUnicorn() : undefined;

/** A picemu engine in a compiler mode, or a native one (jit undefined); and how many region runs had hooks compiled in. */
function engine(uc: Uc, jit?: Jit): Uc {
  return jit ? new uc.Unicorn(uc.ARCH_X86, uc.MODE_64, { jit }) : new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
}
const hookedRuns = (e: Uc): number => e.engine?.state.regionStats.hookedRuns ?? 0;

/** Logs every code hook call and every memory access (read before, read after, write) of `e`. */
function logEverything(uc: Uc, e: Uc, log: string[]): void {
  e.hook_add(uc.HOOK_CODE, (_e: unknown, address: bigint, size: number) => log.push(`code ${address.toString(16)} ${size}`));
  e.hook_add(uc.HOOK_MEM_READ | uc.HOOK_MEM_READ_AFTER | uc.HOOK_MEM_WRITE, (_e: unknown, type: number, address: bigint, size: number, value: bigint) =>
    log.push(`mem ${type} ${address.toString(16)} ${size} ${value}`),
  );
}

const REGS = ['RAX', 'RBX', 'RCX', 'RDX', 'RSI', 'RDI', 'RBP', 'RSP', 'R8', 'R9', 'R10', 'R11', 'RIP'];
function regs(uc: Uc, e: Uc): string {
  return REGS.map((r) => `${r}=${e.reg_read_i64(uc[`X86_REG_${r}`]).toString(16)}`).join(' ') + ` flags=${(e.reg_read_i32(uc.X86_REG_EFLAGS) & 0xcd5).toString(16)}`;
}

// ---- fixture functions (gcc -O2 code from fixtures/libdemo.so), in the lockstep image

const LIB = join(repoRoot, 'fixtures', 'libdemo.so');
const BUF = 0x7ffe_4000_0000;
const image = new Image();
mapProcessAreas(image);
const lib = mapLibrary(image, LIB);
image.map(BUF, BUF + 0x4000, 3);
image.write(BUF, new Uint8Array(0x2000).map((_, i) => (i * 131 + 7) & 0xff));

/** Calls fn(args) System V style to the return sentinel with every hook logged: the log, then the end state. */
function callLogged(uc: Uc, jit: Jit | undefined, fn: string, args: number[]): { log: string[]; hooked: number } {
  const e = engine(uc, jit);
  for (const p of image.list()) {
    e.mem_map(p.va, 4096, p.prot);
    e.mem_write(p.va, p.bytes);
  }
  const log: string[] = [];
  logEverything(uc, e, log);
  const rsp = LAYOUT.stackLow + LAYOUT.stackSize - 0x1000 - 8;
  const ret = new Uint8Array(8);
  new DataView(ret.buffer).setBigUint64(0, BigInt(LAYOUT.returnSentinel), true);
  e.mem_write(rsp, ret);
  e.reg_write_i64(uc.X86_REG_RSP, rsp);
  args.forEach((a, k) => e.reg_write_i64(uc[`X86_REG_${['RDI', 'RSI', 'RDX'][k]}`], a));
  try {
    e.emu_start(lib.exports.get(fn)!.address, LAYOUT.returnSentinel, 0, 0);
  } catch (err) {
    log.push(`threw ${(err as Error).message}`);
  }
  log.push(regs(uc, e));
  log.push(`buffer sha1 ${createHash('sha1').update(e.mem_read(BUF, 0x2000)).digest('hex')}`);
  const hooked = hookedRuns(e);
  e.close();
  return { log, hooked };
}

const CALLS: [string, string, number[]][] = [
  ['crc32_bitwise over 1 KiB', 'crc32_bitwise', [BUF, 1024]],
  ['fib(11)', 'fib', [11]],
  ['sum_ints over 64 ints (SSE2: 16-byte loads, reported as two 8-byte ones)', 'sum_ints', [BUF, 64]],
  ['byte_copy of 200 bytes (stores)', 'byte_copy', [BUF + 0x1000, BUF, 200]],
];

describe.skipIf(!available)('hooks in compiled code give native unicorn-engine hook calls', () => {
  for (const [name, fn, args] of CALLS) {
    it(name, () => {
      const expected = callLogged(native, undefined, fn, args).log;
      expect(expected.length).toBeGreaterThan(100);
      for (const jit of MODES) {
        const { log, hooked } = callLogged(picemu, jit, fn, args);
        expect(log.length, jit).toBe(expected.length);
        // (Compared in slices: a long mismatch prints the first place they part.)
        const at = log.findIndex((l, i) => l !== expected[i]);
        expect(at === -1 ? null : { jit, at, picemu: log.slice(at, at + 4), native: expected.slice(at, at + 4) }).toBeNull();
        if (jit === 'always') expect(hooked, `${name}: compiled hooked runs`).toBeGreaterThan(0);
      }
    });
  }
  it("crc32's loop runs as a hooked region in 'auto' too (hot code with hooks is compiled)", () => {
    expect(callLogged(picemu, 'auto', 'crc32_bitwise', [BUF, 1024]).hooked).toBeGreaterThan(0);
  });
});

// ---- hooks that act, on a small loop the region compiler takes whole

const CODE = 0x10000;
const DATA = 0x20000;
/**
 * 0: mov rax, [rdi]; 3: add rax, rcx; 6: mov [rdi+8], rax; a: movdqu xmm0, [rdi]; e: movdqu [rdi+16], xmm0;
 * 13: add rdi, 8; 17: dec rcx; 1a: jne 0; 1c: nop (the stop address)
 */
const LOOP = [0x48, 0x8b, 0x07, 0x48, 0x01, 0xc8, 0x48, 0x89, 0x47, 0x08, 0xf3, 0x0f, 0x6f, 0x07, 0xf3, 0x0f, 0x7f, 0x47, 0x10, 0x48, 0x83, 0xc7, 0x08, 0x48, 0xff, 0xc9, 0x75, 0xe4, 0x90];
const END = CODE + 0x1c;

interface Act {
  name: string;
  /** Where rdi starts and how many iterations (rcx). */
  start?: number;
  count?: number;
  /** Data pages mapped at DATA (default 1). */
  pages?: number;
  /** Extra hooks; `t` logs into the transcript. */
  hooks(uc: Uc, e: Uc, t: string[]): void;
  /**
   * Where picemu's interpreter (jit 'off') already parts from native unicorn, and why: then compiled code is held to
   * the interpreter's transcript only (these are facade deviations, reported, not compiled-code ones).
   */
  nativeDiffers?: string;
  /** No hooks of its own (then only the logged runs have hooked regions). */
  noHooks?: true;
}

const ACTS: Act[] = [
  { name: 'every hook logged (the loop alone)', noHooks: true, hooks: () => {} },
  {
    name: 'emu_stop from a memory read hook (the instruction completes, the run ends after it)',
    nativeDiffers: 'unicorn reports RIP at the start of the translated block after a stop from a memory hook; picemu after the instruction',
    hooks: (uc, e, t) => {
      let reads = 0;
      e.hook_add(uc.HOOK_MEM_READ, (eng: Uc, _type: number, address: bigint) => {
        if (++reads === 25) {
          t.push(`stop at read of ${address.toString(16)}`);
          eng.emu_stop();
        }
      });
    },
  },
  {
    name: 'emu_stop from a code hook (before the instruction)',
    hooks: (uc, e) => {
      let n = 0;
      e.hook_add(uc.HOOK_CODE, (eng: Uc) => void (++n === 77 && eng.emu_stop()));
    },
  },
  {
    name: 'a code hook moves RIP (skips add rdi, 8 on the 5th pass)',
    hooks: (uc, e, t) => {
      let n = 0;
      e.hook_add(
        uc.HOOK_CODE,
        (eng: Uc, address: bigint) => {
          if (++n === 5) {
            t.push(`skip at ${address.toString(16)}`);
            eng.reg_write_i64(uc.X86_REG_RIP, CODE + 0x17);
          }
        },
        null,
        CODE + 0x13,
        CODE + 0x13,
      );
    },
  },
  {
    name: 'hooks write registers (a code hook adds to RAX before add rax, rcx; a write hook sets RDX and RFLAGS.CF)',
    hooks: (uc, e) => {
      e.hook_add(uc.HOOK_CODE, (eng: Uc) => eng.reg_write_i64(uc.X86_REG_RAX, eng.reg_read_i64(uc.X86_REG_RAX) + 1000n), null, CODE + 3, CODE + 3);
      e.hook_add(uc.HOOK_MEM_WRITE, (eng: Uc, _t: number, address: bigint) => eng.reg_write_i64(uc.X86_REG_RDX, address), null, 1, 0);
    },
  },
  {
    name: 'a code hook rewrites code the region runs (add rax, rcx becomes sub rax, rcx from the 10th pass)',
    nativeDiffers: 'unicorn keeps running the block it translated before the hook wrote the code; picemu runs the new code from the next pass',
    hooks: (uc, e, t) => {
      let n = 0;
      e.hook_add(
        uc.HOOK_CODE,
        (eng: Uc) => {
          if (++n === 10) {
            t.push('rewrite');
            eng.mem_write(CODE + 3, new Uint8Array([0x48, 0x29, 0xc8]));
          }
        },
        null,
        CODE + 0x17,
        CODE + 0x17,
      );
    },
  },
  {
    name: 'the loop runs off the mapped data: unmapped write fault, registers at the faulting instruction',
    start: DATA + 4096 - 8 * 20,
    count: 40,
    nativeDiffers: 'unicorn reports RIP (and CF) as at the start of the translated block; picemu at the faulting instruction',
    noHooks: true,
    hooks: () => {},
  },
  {
    name: 'an invalid-access hook maps the next page and the run goes on',
    start: DATA + 4096 - 8 * 20,
    count: 40,
    nativeDiffers: 'for a 16-byte store straddling into the unmapped page unicorn reports 8 bytes at the page start; picemu 1 byte at the last byte',
    hooks: (uc, e, t) => {
      e.hook_add(uc.HOOK_MEM_READ_UNMAPPED | uc.HOOK_MEM_WRITE_UNMAPPED, (eng: Uc, type: number, address: bigint, size: number) => {
        t.push(`invalid ${type} ${address.toString(16)} ${size}`);
        eng.mem_map(DATA + 4096, 4096, uc.PROT_ALL);
        return true;
      });
    },
  },
  {
    name: 'a ranged code hook (one address) and memory hooks only',
    hooks: (uc, e, t) => {
      let n = 0;
      e.hook_add(uc.HOOK_CODE, () => void n++, null, CODE + 0x1a, CODE + 0x1a);
      e.hook_add(uc.HOOK_MEM_WRITE, () => t.length < 5000 && t.push(`jne seen ${n}`));
    },
  },
];

function runAct(uc: Uc, jit: Jit | undefined, act: Act, logAll: boolean): { t: string[]; hooked: number } {
  const e = engine(uc, jit);
  e.mem_map(CODE, 4096, uc.PROT_ALL);
  e.mem_write(CODE, new Uint8Array(LOOP));
  e.mem_map(DATA, 4096 * (act.pages ?? 1), uc.PROT_READ | uc.PROT_WRITE);
  e.mem_write(DATA, new Uint8Array(4096).map((_, i) => (i * 37 + 11) & 0xff));
  e.reg_write_i64(uc.X86_REG_RDI, act.start ?? DATA);
  e.reg_write_i64(uc.X86_REG_RCX, act.count ?? 48);
  const t: string[] = [];
  if (logAll) logEverything(uc, e, t);
  act.hooks(uc, e, t);
  try {
    e.emu_start(CODE, END, 0, 0);
    t.push('ok');
  } catch (err) {
    t.push(`threw ${(err as Error).message}`);
  }
  t.push(regs(uc, e));
  t.push(`xmm0=${Buffer.from(e.reg_read(uc.X86_REG_XMM0, 16)).toString('hex')}`);
  t.push(`data sha1 ${createHash('sha1').update(e.mem_read(DATA, 4096)).digest('hex')}`);
  const hooked = hookedRuns(e);
  e.close();
  return { t, hooked };
}

describe.skipIf(!available)('hooks that act, called from compiled code, as in native unicorn-engine', () => {
  for (const act of ACTS) {
    it(act.name, () => {
      for (const logAll of [false, true]) {
        const interpreted = runAct(picemu, 'off', act, logAll).t;
        const nativeRun = runAct(native, undefined, act, logAll).t;
        const expected = act.nativeDiffers ? interpreted : nativeRun;
        // (Where they differ, they still differ: a fixed facade makes this fail, and the act is then held to native.)
        if (act.nativeDiffers) expect(interpreted, act.nativeDiffers).not.toEqual(nativeRun);
        for (const jit of MODES) {
          const { t, hooked } = runAct(picemu, jit, act, logAll);
          const at = t.findIndex((l, i) => l !== expected[i]);
          expect(at === -1 && t.length === expected.length ? null : { jit, logAll, at, picemu: t.slice(at, at + 3), expected: expected.slice(at, at + 3) }).toBeNull();
          if (jit === 'always' && (logAll || !act.noHooks)) expect(hooked, `${act.name}: compiled hooked runs`).toBeGreaterThan(0);
        }
      }
    });
  }
});

describe('which hooks compile in (picemu only)', () => {
  it('a block hook keeps the hooked interpreter (no hooked region runs), and removing all hooks leaves hooked regions unused', () => {
    const e = engine(picemu, 'always');
    e.mem_map(CODE, 4096, picemu.PROT_ALL);
    e.mem_write(CODE, new Uint8Array(LOOP));
    e.mem_map(DATA, 4096, picemu.PROT_READ | picemu.PROT_WRITE);
    const start = () => {
      e.reg_write_i64(picemu.X86_REG_RDI, DATA);
      e.reg_write_i64(picemu.X86_REG_RCX, 10);
      e.emu_start(CODE, END, 0, 0);
    };
    const block = e.hook_add(picemu.HOOK_BLOCK, () => {});
    start();
    expect(hookedRuns(e)).toBe(0);
    e.hook_del(block);
    const code = e.hook_add(picemu.HOOK_CODE, () => {});
    start();
    const withHooks = hookedRuns(e);
    expect(withHooks).toBeGreaterThan(0);
    e.hook_del(code);
    const runs = e.engine.state.regionStats.runs;
    start();
    expect(hookedRuns(e)).toBe(withHooks);
    expect(e.engine.state.regionStats.runs).toBeGreaterThan(runs);
    e.close();
  });
});
