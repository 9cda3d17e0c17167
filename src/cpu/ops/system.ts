// System and trap instructions: cpuid, rdtsc, syscall, int3/int N, ud2, hlt.
import { cpuid } from '../features.ts';
import type { Insn } from '../decode.ts';
import { fault, GuestFault } from '../faults.ts';
import type { Exec, HandlerDef } from '../handler.ts';

function cpuidOp(): Exec {
  return (c) => {
    const r = c.r32;
    const [a, b, cx, d] = cpuid(c.profile, r[0], r[2]);
    r[0] = a;
    r[6] = b;
    r[2] = cx;
    r[4] = d;
    r[1] = r[7] = r[3] = r[5] = 0;
  };
}

/** rdtsc: deterministic, the number of instructions retired before this one. */
function rdtsc(insn: Insn): Exec {
  const index = () => insn.index;
  return (c) => {
    const t = c.blockIcount + index();
    const r = c.r32;
    r[0] = t >>> 0;
    r[4] = Math.floor(t / 4294967296) >>> 0;
    r[1] = r[5] = 0;
  };
}

function syscall(insn: Insn): Exec {
  const next = insn.next;
  return (c) => {
    // RCX = return address, R11 = RFLAGS, as the instruction does; then the host performs the call.
    const r = c.r32;
    r[2] = next >>> 0;
    r[3] = Math.floor(next / 4294967296);
    r[22] = c.rflags;
    r[23] = 0;
    if (c.hooks.syscall) c.hooks.syscall();
    else c.stopWith('syscall', insn.addr);
  };
}

function interrupt(intno: number) {
  return (insn: Insn): Exec => {
    const icebp = intno === 1;
    const n = intno >= 0 ? intno : insn.ops[0].kind === 'imm' ? insn.ops[0].lo & 0xff : 0;
    return (c) => {
      if (c.hooks.interrupt) return c.hooks.interrupt(n);
      if (n === 3) fault('breakpoint', undefined, undefined, 'int3');
      if (icebp) fault('debug-trap', insn.next, undefined, 'int1');
      const f = new GuestFault('privileged', undefined, undefined, `int 0x${n.toString(16)}`);
      (f as GuestFault & { intno?: number }).intno = n;
      throw f;
    };
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Cpuid'], build: cpuidOp },
  { codes: ['Rdtsc'], build: rdtsc },
  { codes: ['Syscall'], build: syscall },
  { codes: ['Int3'], build: interrupt(3) },
  { codes: ['Int1'], build: interrupt(1) },
  { codes: ['Int_imm8'], build: interrupt(-1) },
  { codes: ['Ud2', 'Ud0_r16_rm16', 'Ud0_r32_rm32', 'Ud0_r64_rm64', 'Ud1_r16_rm16', 'Ud1_r32_rm32', 'Ud1_r64_rm64'], build: (insn) => () => fault('invalid-opcode', undefined, undefined, insn.text) },
  { codes: ['Hlt'], build: (insn) => (c) => c.stopWith('halt', insn.addr) },
];
