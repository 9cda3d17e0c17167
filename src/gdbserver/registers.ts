// The register file gdb sees: the amd64 GNU/Linux target description (core, sse, linux, segments, and avx when
// the CPU has YMM state), and the g/G/p/P encodings over a Process's CPU. Registers the CPU does not model
// report what Linux gives a user process that never touched them (x87 after FNINIT, user segment selectors).
import type { Cpu } from '../cpu/index.ts';

/** Registers by name: all a gdb register needs of a CPU (picemu's Cpu, or any process engine). */
type NamedRegisters = Pick<Cpu, 'reg' | 'setReg'>;
import { REGISTER_NAMES } from '../cpu/registers.ts';

export interface GdbRegister {
  name: string;
  bits: number;
  /** Feature (org.gnu.gdb.i386.<feature>) and type as gdb's own amd64-linux description gives them. */
  feature: 'core' | 'sse' | 'linux' | 'segments' | 'avx';
  type: string;
  group?: string;
  read(cpu: NamedRegisters): bigint;
  /** Absent: the register is fixed (a write of another value is refused). */
  write?(cpu: NamedRegisters, value: bigint): void;
}

const has = (name: string): boolean => REGISTER_NAMES.includes(name);

function cpuRegister(name: string, bits: number, feature: GdbRegister['feature'], type: string, group?: string): GdbRegister {
  return { name, bits, feature, type, group, read: (cpu) => cpu.reg(name), write: (cpu, v) => cpu.setReg(name, v) };
}

/** A register the CPU lacks: its constant value (as Linux shows it), or the CPU's when a later CPU has it. */
function fixed(name: string, bits: number, feature: GdbRegister['feature'], type: string, value: bigint, group?: string): GdbRegister {
  if (has(name)) return cpuRegister(name, bits, feature, type, group);
  return { name, bits, feature, type, group, read: () => value };
}

const GPRS: [string, string][] = [
  ['rax', 'int64'], ['rbx', 'int64'], ['rcx', 'int64'], ['rdx', 'int64'], ['rsi', 'int64'], ['rdi', 'int64'],
  ['rbp', 'data_ptr'], ['rsp', 'data_ptr'],
  ...Array.from({ length: 8 }, (_, k) => [`r${k + 8}`, 'int64'] as [string, string]),
];

// Linux's user selectors: __USER_CS 0x33, __USER_DS 0x2b; ds, es, fs and gs are 0 in a 64-bit process.
const SEGMENTS: [string, bigint][] = [['cs', 0x33n], ['ss', 0x2bn], ['ds', 0n], ['es', 0n], ['fs', 0n], ['gs', 0n]];

// The x87 state after FNINIT (what a process that never used x87 has): control word 0x37f, all tags empty.
const X87_CONTROL: [string, bigint][] = [['fctrl', 0x37fn], ['fstat', 0n], ['ftag', 0xffffn], ['fiseg', 0n], ['fioff', 0n], ['foseg', 0n], ['fooff', 0n], ['fop', 0n]];

function ymmHigh(k: number): GdbRegister {
  const name = `ymm${k}`;
  const low = (1n << 128n) - 1n;
  return {
    name: `ymm${k}h`, bits: 128, feature: 'avx', type: 'uint128',
    read: (cpu) => cpu.reg(name) >> 128n,
    write: (cpu, v) => cpu.setReg(name, (BigInt.asUintN(128, v) << 128n) | (cpu.reg(name) & low)),
  };
}

/** gdb's amd64 register numbering (the order of the g packet). */
export const GDB_REGISTERS: readonly GdbRegister[] = [
  ...GPRS.map(([n, t]) => cpuRegister(n, 64, 'core', t)),
  cpuRegister('rip', 64, 'core', 'code_ptr'),
  { name: 'eflags', bits: 32, feature: 'core', type: 'i386_eflags', read: (cpu) => cpu.reg('rflags') & 0xffffffffn, write: (cpu, v) => cpu.setReg('rflags', v) },
  ...SEGMENTS.map(([n, v]) => ({ name: n, bits: 32, feature: 'core' as const, type: 'int32', read: () => v })),
  ...Array.from({ length: 8 }, (_, k) => fixed(`st${k}`, 80, 'core', 'i387_ext', 0n)),
  ...X87_CONTROL.map(([n, v]) => fixed(n, 32, 'core', 'int', v, 'float')),
  ...Array.from({ length: 16 }, (_, k) => cpuRegister(`xmm${k}`, 128, 'sse', 'vec128')),
  cpuRegister('mxcsr', 32, 'sse', 'i386_mxcsr', 'vector'),
  // Not in a system call: the kernel's orig_rax is -1.
  { name: 'orig_rax', bits: 64, feature: 'linux', type: 'int', read: () => (1n << 64n) - 1n },
  cpuRegister('fs_base', 64, 'segments', 'int'),
  cpuRegister('gs_base', 64, 'segments', 'int'),
  ...(has('ymm0') ? Array.from({ length: 16 }, (_, k) => ymmHigh(k)) : []),
];

export function registerHex(reg: GdbRegister, cpu: NamedRegisters): string {
  const bytes = reg.bits / 8;
  const out = Buffer.alloc(bytes);
  let v = BigInt.asUintN(reg.bits, reg.read(cpu));
  for (let k = 0; k < bytes; k++, v >>= 8n) out[k] = Number(v & 0xffn);
  return out.toString('hex');
}

/** Little-endian bytes of a register's size as a value. */
export function registerValue(reg: GdbRegister, bytes: Uint8Array): bigint {
  let v = 0n;
  for (let k = reg.bits / 8 - 1; k >= 0; k--) v = (v << 8n) | BigInt(bytes[k]!);
  return v;
}

/** Writes one register; false when it is fixed and the value differs from the one it has. */
export function writeGdbRegister(reg: GdbRegister, cpu: NamedRegisters, value: bigint): boolean {
  if (reg.write) {
    reg.write(cpu, value);
    return true;
  }
  return BigInt.asUintN(reg.bits, reg.read(cpu)) === value;
}

export const gPacketBytes = (): number => GDB_REGISTERS.reduce((n, r) => n + r.bits / 8, 0);
