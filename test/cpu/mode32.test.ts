// MODE_32 (flat 32-bit user code) against native unicorn-engine: the forms only encodable outside 64-bit
// mode (push r32, inc r32, jcc rel32 with 32-bit targets, 0x82 ALU...) and 32-bit stack/address behaviour.
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/index.ts';
import { implementedCodes } from '../../src/cpu/table.ts';
import { constants as UC } from '../../src/unicorn/constants.ts';
import { NativeUnicorn, nativeUnicornUnavailable } from '../helpers/native-unicorn.ts';
import { requireOracle } from '../helpers/oracles.ts';
import { FlatMemory } from './flat-memory.ts';
import { assemble, CODE_ADDR, decodeAt, hasToolchain, MEM_ADDR, MEM_SIZE, rng } from './host-exec.ts';
import { LEGACY_ONLY } from './integer-cases.ts';

const CODE = CODE_ADDR;
const MEM = MEM_ADDR;
const REGS = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'] as const;
const CCS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];

const CASES: string[] = [
  'inc eax', 'inc cx', 'dec edx', 'dec bx', 'inc edi',
  ...[0, 1, 2, 3, 4, 5, 6, 7].map((k) => `hex:82${(0xc0 | (k << 3) | 3).toString(16)}85`),
  'push eax', 'push dword ptr [esi]', 'push 0x12', 'push 0x12345678', 'push cx', 'pop ecx', 'pop dword ptr [edi]', 'pop dx', 'pushfd', 'popfd', 'leave', 'ret', 'ret 8',
  'jmp .+0x20', 'jmp .+0x300', ...CCS.flatMap((cc) => [`j${cc} .+0x40`, `j${cc} .+0x400`]),
  'call .+0x40', 'call eax', 'call dword ptr [esi]', 'jmp eax', 'jmp dword ptr [esi]',
  'loop .+0x10', 'loope .+0x10', 'loopne .+0x10', 'jecxz .+0x10',
  'mov eax, dword ptr [esi+4]', 'mov dword ptr [edi+8], ebx', 'movsb', 'movsd', 'stosw', 'lodsd', 'cmpsb', 'scasd',
  'lea eax, [ebx+ecx*4+8]', 'cmpxchg8b qword ptr [esi]', 'mul ecx', 'imul edx, ecx, 7', 'shld eax, ebx, 5', 'add eax, dword ptr [esi]', 'xchg eax, ebx',
  'xadd dword ptr [esi], ecx', 'bt dword ptr [esi], ecx', 'sar eax, cl', 'rcl ebx, 1', 'cdq', 'cwde', 'movzx eax, byte ptr [esi]', 'setne al', 'cmovl eax, ecx',
];

interface S32 {
  regs: number[];
  eflags: number;
  mem: Uint8Array;
}

function state(seed: number, variant: number): S32 {
  const r = rng(seed * 31 + variant + 7);
  const regs = Array.from({ length: 8 }, () => (r() % 3 === 0 ? [0, 1, 0x7f, 0x80, 0xffffffff, 0x80000000, 0x7fffffff][r() % 7] : r()) >>> 0);
  regs[1] = r() % 40; // ecx: counts
  regs[4] = MEM + 0xe00; // esp
  regs[5] = MEM + 0xc00; // ebp (leave)
  regs[6] = MEM + 0x300 + (r() % 32); // esi
  regs[7] = MEM + 0x900 + (r() % 32); // edi
  if (variant % 2) regs[0] = CODE + 0x80; // call/jmp eax stay in the code page
  const mem = Uint8Array.from({ length: MEM_SIZE }, () => r() & 0xff);
  const dv = new DataView(mem.buffer);
  dv.setUint32(0xe00, CODE + 0x30, true); // a return address at esp
  dv.setUint32(regs[6] - MEM, CODE + 0x60, true); // an indirect target at [esi]
  if (variant % 3 === 0) dv.setUint32(0xe00, (r() & 0xcd5) | 2, true); // popfd: harmless flags (overrides the return address)
  return { regs, eflags: variant % 2 ? 0x8d5 : 0x2, mem };
}

type Out = { kind: 'ok'; eip: number; regs: number[]; eflags: number; mem: Uint8Array; nextFetchFaults?: boolean } | { kind: 'fault' };

function runUnicorn(code: Uint8Array, s: S32): Out {
  const uc = new NativeUnicorn(UC.ARCH_X86, UC.MODE_32);
  try {
    uc.mem_map(CODE, 4096, UC.PROT_ALL);
    uc.mem_map(MEM, MEM_SIZE, UC.PROT_READ | UC.PROT_WRITE);
    uc.mem_write(CODE, [...code, ...new Uint8Array(4096 - code.length).fill(0xf4)]);
    uc.mem_write(MEM, s.mem);
    REGS.forEach((n, i) => uc.reg_write((UC as Record<string, number>)[`X86_REG_${n}`], s.regs[i]));
    uc.reg_write(UC.X86_REG_EFLAGS, s.eflags);
    const err = uc.emu_start_code(CODE, 0xffffffff, 0, 1);
    if (err !== 0) return { kind: 'fault' };
    return {
      kind: 'ok',
      eip: uc.reg_value(UC.X86_REG_EIP) as number,
      regs: REGS.map((n) => uc.reg_value((UC as Record<string, number>)[`X86_REG_${n}`]) as number),
      eflags: uc.reg_value(UC.X86_REG_EFLAGS) as number,
      mem: uc.mem_read(MEM, MEM_SIZE),
    };
  } finally {
    uc.close();
  }
}

function runPicemu32(code: Uint8Array, s: S32, jit: 'off' | 'always'): Out {
  const m = new FlatMemory();
  m.map(CODE, 4096);
  m.map(MEM, MEM_SIZE, 3);
  const page = new Uint8Array(4096).fill(0xf4);
  page.set(code);
  m.load(CODE, page);
  m.load(MEM, s.mem);
  const cpu = new Cpu(m, { bitness: 32, jit });
  s.regs.forEach((v, i) => (cpu.r32[2 * i] = v));
  cpu.rflags = s.eflags;
  cpu.rip = CODE;
  const out = cpu.run({ maxInstructions: 1 });
  if (out.kind === 'fault') return { kind: 'fault' };
  const result: Out = { kind: 'ok', eip: cpu.rip, regs: REGS.map((_, i) => cpu.r32[2 * i]), eflags: cpu.rflags, mem: m.peek(MEM, MEM_SIZE)! };
  // unicorn's count=1 also fetches the next block: a jump to unmapped memory reports a fetch fault there.
  const next = cpu.step();
  result.nextFetchFaults = next.kind === 'fault' && next.fault.access === 'fetch';
  return result;
}

const hasUnicorn = () => requireOracle('native unicorn-engine (libunicorn2)', nativeUnicornUnavailable() === undefined, 'apt-get install libunicorn2');

describe.skipIf(!hasToolchain() || !hasUnicorn())('MODE_32 vs native unicorn-engine', () => {
  const codes = assemble(CASES, 32);

  it('covers the forms that exist only outside 64-bit mode', () => {
    const covered = new Set(codes.map((c) => decodeAt(c, 32).code));
    const missing = implementedCodes().filter((e) => LEGACY_ONLY.test(e.name) && !covered.has(e.code)).map((e) => e.name);
    expect(missing).toEqual([]);
  });

  for (const jit of ['off', 'always'] as const) {
    it(`agrees with unicorn on every case (jit ${jit})`, { timeout: 30_000 }, () => {
      const failures: string[] = [];
      codes.forEach((code, i) => {
        const insn = decodeAt(code, 32);
        for (let v = 0; v < 4; v++) {
          const s = state(i + 1, v);
          const u = runUnicorn(code, s);
          const p = runPicemu32(code, s, jit);
          if (u.kind === 'fault' && p.kind === 'ok' && p.nextFetchFaults) continue;
          if (u.kind !== p.kind) {
            failures.push(`${CASES[i]} [${v}]: unicorn ${u.kind}, picemu ${p.kind}`);
            continue;
          }
          if (u.kind !== 'ok' || p.kind !== 'ok') continue;
          const mask = 0xcd5 & ~insn.flagsUndefined;
          const d: string[] = [];
          if (u.eip !== p.eip) d.push(`eip ${u.eip.toString(16)} / ${p.eip.toString(16)}`);
          REGS.forEach((n, k) => u.regs[k] !== p.regs[k] && d.push(`${n} ${u.regs[k].toString(16)} / ${p.regs[k].toString(16)}`));
          if ((u.eflags & mask) !== (p.eflags & mask)) d.push(`eflags ${(u.eflags & mask).toString(16)} / ${(p.eflags & mask).toString(16)}`);
          const at = u.mem.findIndex((b, k) => b !== p.mem[k]);
          if (at >= 0) d.push(`mem[${(MEM + at).toString(16)}] ${u.mem[at]} / ${p.mem[at]}`);
          if (d.length) failures.push(`${CASES[i]} [${v}]: ${d.join('; ')}`);
        }
      });
      expect(failures).toEqual([]);
    });
  }
});
