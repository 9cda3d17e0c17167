// Exact 64-bit RIP and effective addresses, and #GP at a branch to a non-canonical target, against the host
// CPU (host_avx.c): the differential test's findings (a jge to 0xffffffffe6204340, lea ecx, [rip - 0x5306f2c2]).
import { describe, expect, it } from 'vitest';
import { assemble, hasToolchain, MEM_ADDR } from './host-exec.ts';
import { diffAvx, makeYState, runHostAvx, runPicemuAvx, type YState } from './avx-harness.ts';

const CODE = 0x10000000;
const rel32 = (target: bigint, next: number) => {
  const d = BigInt.asIntN(32, BigInt.asUintN(64, target - BigInt(next)));
  const b = new Uint8Array(4);
  new DataView(b.buffer).setInt32(0, Number(d), true);
  return [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
};

interface Case {
  what: string;
  asm: string;
  regs?: Partial<Record<'rax' | 'rcx' | 'rflags', bigint>>;
  /** A non-canonical return address on the stack. */
  stackTop?: bigint;
}
const NONCANON = 0x0000800000000000n, NONCANON2 = 0x8000000000000000n, KERNEL = 0xffff800000001000n;
const CASES: Case[] = [
  { what: 'jge to 0xffffffffe6204340 (taken): RIP is the exact kernel-half target', asm: `hex:0f8d${rel32(0xffffffffe6204340n, CODE + 6)}`, regs: { rflags: 0n } },
  { what: 'jmp rel32 to the kernel half', asm: `hex:e9${rel32(0xffffffff80001234n, CODE + 5)}` },
  { what: 'call rel32 to the kernel half (the push happens, the fetch faults)', asm: `hex:e8${rel32(0xfffffffff0000ff0n, CODE + 5)}` },
  { what: 'lea ecx, [rip - 0x5306f2c2]', asm: 'lea ecx, [rip - 0x5306f2c2]' },
  { what: 'lea rcx, [rip - 0x7fffffff]', asm: 'lea rcx, [rip - 0x7fffffff]' },
  { what: 'lea rax, [rcx + rcx*8 + 0x7fffffff] wraps exactly', asm: 'lea rax, [rcx + rcx*8 + 0x7fffffff]', regs: { rcx: 0x1fffffffffffffffn } },
  { what: 'jmp rax, non-canonical: #GP at the jmp', asm: 'jmp rax', regs: { rax: NONCANON } },
  { what: 'jmp rax, non-canonical (top bit): #GP', asm: 'jmp rax', regs: { rax: NONCANON2 } },
  { what: 'call rax, non-canonical: #GP, nothing pushed', asm: 'call rax', regs: { rax: NONCANON } },
  { what: 'call qword ptr [rsi], non-canonical: #GP', asm: 'call qword ptr [rsi]' },
  { what: 'ret to a non-canonical address: #GP, RSP unchanged', asm: 'ret', stackTop: NONCANON },
  { what: 'ret 8 to a non-canonical address: #GP', asm: 'ret 8', stackTop: 0x00ff000000000000n },
  { what: 'jmp rax to a canonical kernel address: the fetch faults there', asm: 'jmp rax', regs: { rax: KERNEL } },
  { what: 'ret to a canonical kernel address', asm: 'ret', stackTop: 0xffffffffa0001000n },
  { what: 'mov rax, [rcx] at a non-canonical address: #GP', asm: 'mov rax, qword ptr [rcx]', regs: { rcx: NONCANON } },
  { what: 'mov rax, [rcx] at a kernel address: a page fault there', asm: 'mov rax, qword ptr [rcx]', regs: { rcx: KERNEL + 8n } },
  { what: 'mov eax, [rip - 0x20000000]: RIP-relative into the kernel half', asm: 'mov eax, dword ptr [rip - 0x20000000]' },
];

describe.skipIf(!hasToolchain())('exact 64-bit addresses and non-canonical branches vs the host CPU', () => {
  const codes = assemble(CASES.map((c) => c.asm));
  const states = CASES.map((c, i) => {
    const s: YState = makeYState(100 + i);
    if (c.regs?.rax !== undefined) s.gpr[0] = c.regs.rax;
    if (c.regs?.rcx !== undefined) s.gpr[1] = c.regs.rcx;
    if (c.regs?.rflags !== undefined) s.rflags = Number(c.regs.rflags);
    const top = c.stackTop ?? NONCANON;
    // [rsp] (for ret) and [rsi] (for call [rsi]) hold the target.
    new DataView(s.mem.buffer).setBigUint64(Number(s.gpr[4]) - MEM_ADDR, top, true);
    new DataView(s.mem.buffer).setBigUint64(Number(s.gpr[6]) - MEM_ADDR, top, true);
    return s;
  });
  const host = runHostAvx(codes.map((code, i) => ({ code, state: states[i] })));

  for (const jit of ['off', 'always'] as const)
    it.each(CASES.map((c, i) => [c.what, i] as const))(`%s (jit ${jit})`, (_, i) => {
      const emu = runPicemuAvx(codes[i], states[i], undefined, jit);
      expect(diffAvx(host[i], emu, 0)).toEqual([]);
    });

  it('the host agrees with what the manual says: #GP (SIGSEGV, SI_KERNEL, address 0) at the branch', () => {
    const gp = CASES.map((c, i) => [c.what, host[i]] as const).filter(([w]) => w.includes('#GP'));
    for (const [what, r] of gp) expect(r.kind === 'sig' && [r.signo, r.code, r.addr, r.rip], what).toEqual([11, 0x80, 0, CODE]);
  });
});
