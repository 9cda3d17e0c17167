// iced-x86 instructions → picemu's decoded form (`Insn`), operands resolved once; one decode per instruction.
import { canonicalNumber } from './address.ts';
import { Code, ConditionCode, Decoder, DecoderError, DecoderOptions, FlowControl, Formatter, FormatterSyntax, Instruction, MemorySize, Mnemonic, OpKind, Register, RflagsBits } from 'iced-x86';

/** A GPR operand: register number 0-15, width in bits, and whether it is ah/ch/dh/bh. */
export interface GprOperand {
  kind: 'gpr';
  reg: number;
  width: 8 | 16 | 32 | 64;
  high8: boolean;
}
export interface XmmOperand {
  kind: 'xmm';
  reg: number;
  /** A YMM register (VEX.256): the same register, all 256 bits. */
  ymm?: boolean;
}
/** A memory operand; its address comes from the instruction's `mem`. size in bytes. */
export interface MemOperand {
  kind: 'mem';
  size: number;
}
/** An immediate, already sign- or zero-extended as the instruction defines, split in 32-bit halves. */
export interface ImmOperand {
  kind: 'imm';
  lo: number;
  hi: number;
  /** The immediate's width in bits after extension (8, 16, 32, 64). */
  width: number;
}
export interface BranchOperand {
  kind: 'branch';
  /** The target as a sign-extended number (address.ts), NaN when it is not canonical (taking it is #GP). */
  target: number;
}
/** Segment registers, string-instruction implicit memory, anything else: handled by the instruction itself. */
export interface OtherOperand {
  kind: 'other';
  opKind: OpKind;
  register: Register;
}
export type Operand = GprOperand | XmmOperand | MemOperand | ImmOperand | BranchOperand | OtherOperand;

/** How a memory operand's address is formed. */
export interface MemRef {
  /** GPR numbers, -1 when absent. */
  base: number;
  index: number;
  scale: number;
  /** Displacement as unsigned 32-bit halves (sign-extended to 64 bits, or the full moffs64). */
  dispLo: number;
  dispHi: number;
  /** Displacement as a signed double when |disp| <= 2^31 (fast path), NaN otherwise. */
  disp: number;
  /** 'fs' / 'gs' when that segment's base is added. */
  seg: 'fs' | 'gs' | null;
  /** RIP-relative: the address (before the segment base) is `absolute` (sign-extended, NaN when not canonical; exact halves in dispLo/dispHi). */
  ripRelative: boolean;
  absolute: number;
  /** Address size in bits (64, or 32 with the 0x67 prefix or in 32-bit mode). */
  addrSize: 32 | 64;
  size: number;
  /** A VSIB operand (the AVX2 gathers): the XMM/YMM register whose elements are the indices, else -1 (`index` is then -1). */
  vsib: number;
}

/** A decoded instruction, as handlers see it at build time. Handlers must not read `cpu.rip`: use `next`. */
export interface Insn {
  addr: number;
  len: number;
  next: number;
  bytes: Uint8Array;
  code: Code;
  mnemonic: Mnemonic;
  bitness: 32 | 64;
  ops: Operand[];
  mem: MemRef | null;
  /** 0 none, 1 rep/repe (F3), 2 repne (F2). */
  rep: 0 | 1 | 2;
  lock: boolean;
  /** iced ConditionCode (None when not a conditional). */
  cc: ConditionCode;
  flow: FlowControl;
  /** True when this instruction must end a basic block (control flow, syscalls, anything that may stop the run). */
  endsBlock: boolean;
  /** RFLAGS bits (x86 positions) the instruction leaves undefined, and the ones it may write. */
  flagsUndefined: number;
  flagsWritten: number;
  flagsRead: number;
  /** The instruction in Intel syntax. */
  text: string;
  /** Position in its basic block (set by the CPU). */
  index: number;
}

/** iced RflagsBits → x86 RFLAGS bit positions. */
export function icedFlagsToRflags(bits: number): number {
  let v = 0;
  if (bits & RflagsBits.OF) v |= 1 << 11;
  if (bits & RflagsBits.SF) v |= 1 << 7;
  if (bits & RflagsBits.ZF) v |= 1 << 6;
  if (bits & RflagsBits.AF) v |= 1 << 4;
  if (bits & RflagsBits.CF) v |= 1;
  if (bits & RflagsBits.PF) v |= 1 << 2;
  if (bits & RflagsBits.DF) v |= 1 << 10;
  if (bits & RflagsBits.IF) v |= 1 << 9;
  if (bits & RflagsBits.AC) v |= 1 << 18;
  return v;
}

// Register enum → GPR/XMM description, from iced's register names.
const gprInfo = new Map<Register, GprOperand>();
const xmmInfo = new Map<Register, number>();
const ymmInfo = new Map<Register, number>();
{
  const base = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI'];
  const low8 = ['AL', 'CL', 'DL', 'BL', 'SPL', 'BPL', 'SIL', 'DIL'];
  const R = Register as unknown as Record<string, Register>;
  for (let i = 0; i < 16; i++) {
    const n = i < 8 ? null : `R${i}`;
    const add = (name: string, width: 8 | 16 | 32 | 64, high8 = false, reg = i) => gprInfo.set(R[name], { kind: 'gpr', reg, width, high8 });
    add(n ? n + 'L' : low8[i], 8);
    add(n ? n + 'W' : base[i], 16);
    add(n ? n + 'D' : 'E' + base[i], 32);
    add(n ?? 'R' + base[i], 64);
    xmmInfo.set(R[`XMM${i}`], i);
    ymmInfo.set(R[`YMM${i}`], i);
  }
  ['AH', 'CH', 'DH', 'BH'].forEach((name, i) => gprInfo.set(R[name], { kind: 'gpr', reg: i, width: 8, high8: true }));
}

const memSizeBytes = new Map<MemorySize, number>();
for (const [name, value] of Object.entries(MemorySize)) {
  if (typeof value !== 'number') continue;
  const m = /^(?:U?Int|Float|Packed|Broadcast)(\d+)/.exec(name) ?? /^(Word|Dword|Qword)Offset$/.exec(name);
  if (!m) continue;
  const bits = m[1] === 'Word' ? 16 : m[1] === 'Dword' ? 32 : m[1] === 'Qword' ? 64 : Number(m[1]);
  memSizeBytes.set(value as MemorySize, name.startsWith('Packed') ? bits / 8 : bits / 8);
}

const formatter = new Formatter(FormatterSyntax.Intel);

/** A branch target (u64 from iced) as picemu's address number; NaN when not canonical. */
function branchTarget(t: bigint): number {
  return canonicalNumber(Number(t & 0xffffffffn), Number(t >> 32n));
}

function immOperand(ins: Instruction, i: number, kind: OpKind): ImmOperand {
  const v = BigInt.asUintN(64, ins.immediate(i));
  const width = kind === OpKind.Immediate8 || kind === OpKind.Immediate8_2nd ? 8 : kind === OpKind.Immediate16 || kind === OpKind.Immediate8to16 ? 16 : kind === OpKind.Immediate32 || kind === OpKind.Immediate8to32 ? 32 : 64;
  return { kind: 'imm', lo: Number(v & 0xffffffffn), hi: Number(v >> 32n), width };
}

const STOPS = new Set<FlowControl>([FlowControl.UnconditionalBranch, FlowControl.IndirectBranch, FlowControl.ConditionalBranch, FlowControl.Return, FlowControl.Call, FlowControl.IndirectCall, FlowControl.Interrupt, FlowControl.XbeginXabortXend, FlowControl.Exception]);
/** Not control flow, but they may stop the run, call the host or change what the next instruction sees. */
const STOP_MNEMONICS = new Set<Mnemonic>([Mnemonic.Syscall, Mnemonic.Sysenter, Mnemonic.Hlt, Mnemonic.Cpuid, Mnemonic.Rdtsc, Mnemonic.Rdtscp, Mnemonic.Int, Mnemonic.Int1, Mnemonic.Int3, Mnemonic.Into, Mnemonic.Ud0, Mnemonic.Ud1, Mnemonic.Ud2, Mnemonic.Popf, Mnemonic.Popfq, Mnemonic.Popfd]);

/** Converts one iced instruction (not freed here) into an Insn without `exec`. */
export function convert(ins: Instruction, bytes: Uint8Array, bitness: 32 | 64): Insn {
  const addr = Number(ins.ip);
  const len = ins.length;
  const ops: Operand[] = [];
  let mem: MemRef | null = null;
  for (let i = 0; i < ins.opCount; i++) {
    const k = ins.opKind(i);
    switch (k) {
      case OpKind.Register: {
        const r = ins.opRegister(i);
        const g = gprInfo.get(r);
        if (g) ops.push(g);
        else if (xmmInfo.has(r)) ops.push({ kind: 'xmm', reg: xmmInfo.get(r)! });
        else if (ymmInfo.has(r)) ops.push({ kind: 'xmm', reg: ymmInfo.get(r)!, ymm: true });
        else ops.push({ kind: 'other', opKind: k, register: r });
        break;
      }
      case OpKind.NearBranch16:
      case OpKind.NearBranch32:
      case OpKind.NearBranch64:
        ops.push({ kind: 'branch', target: branchTarget(ins.nearBranchTarget) });
        break;
      case OpKind.Immediate8:
      case OpKind.Immediate8_2nd:
      case OpKind.Immediate16:
      case OpKind.Immediate32:
      case OpKind.Immediate64:
      case OpKind.Immediate8to16:
      case OpKind.Immediate8to32:
      case OpKind.Immediate8to64:
      case OpKind.Immediate32to64:
        ops.push(immOperand(ins, i, k));
        break;
      case OpKind.Memory: {
        const size = memSizeBytes.get(ins.memorySize) ?? 0;
        const baseReg = ins.memoryBase;
        const ripRelative = baseReg === Register.RIP || baseReg === Register.EIP;
        const d = ins.memoryDisplacementU64;
        const addrSize: 32 | 64 = bitness === 32 || baseReg === Register.EIP || (gprInfo.get(baseReg)?.width ?? gprInfo.get(ins.memoryIndex)?.width) === 32 ? 32 : 64;
        const dSigned = BigInt.asIntN(64, d);
        const seg = ins.segmentPrefix === Register.FS ? 'fs' : ins.segmentPrefix === Register.GS ? 'gs' : null;
        mem = {
          base: ripRelative ? -1 : (gprInfo.get(baseReg)?.reg ?? -1),
          index: gprInfo.get(ins.memoryIndex)?.reg ?? -1,
          vsib: xmmInfo.get(ins.memoryIndex) ?? ymmInfo.get(ins.memoryIndex) ?? -1,
          scale: ins.memoryIndexScale,
          dispLo: Number(d & 0xffffffffn),
          dispHi: Number(d >> 32n),
          disp: dSigned >= -(1n << 31n) && dSigned <= 1n << 31n ? Number(dSigned) : NaN,
          seg,
          ripRelative,
          absolute: ripRelative ? canonicalNumber(Number(d & 0xffffffffn), Number(d >> 32n)) : 0,
          addrSize,
          size,
        };
        ops.push({ kind: 'mem', size });
        break;
      }
      default:
        ops.push({ kind: 'other', opKind: k, register: Register.None });
    }
  }
  const flow = ins.flowControl;
  const mnemonic = ins.mnemonic;
  return new DecodedInsn({
    addr,
    len,
    next: addr + len,
    bytes: bytes.slice(0, len),
    code: ins.code,
    mnemonic,
    bitness,
    ops,
    mem,
    rep: ins.hasRepePrefix || ins.hasRepPrefix ? 1 : ins.hasRepnePrefix ? 2 : 0,
    lock: ins.hasLockPrefix,
    cc: ins.conditionCode,
    flow,
    // A rep string instruction may stop part-way (to let budgets and deadlines in) and resume itself.
    endsBlock: STOPS.has(flow) || STOP_MNEMONICS.has(mnemonic) || ins.code === Code.INVALID || (ins.isStringInstruction && (ins.hasRepPrefix || ins.hasRepePrefix || ins.hasRepnePrefix)),
    flagsUndefined: icedFlagsToRflags(ins.rflagsUndefined),
    flagsWritten: icedFlagsToRflags(ins.rflagsModified),
    flagsRead: icedFlagsToRflags(ins.rflagsRead),
    index: 0,
  });
}

/**
 * An Insn whose text is made on first use (formatting costs about as much as decoding, and most code
 * never faults). A class, so every decoded instruction shares one shape (hot loops read these objects).
 */
class DecodedInsn implements Insn {
  addr!: number;
  len!: number;
  next!: number;
  bytes!: Uint8Array;
  code!: Code;
  mnemonic!: Mnemonic;
  bitness!: 32 | 64;
  ops!: Operand[];
  mem!: MemRef | null;
  rep!: 0 | 1 | 2;
  lock!: boolean;
  cc!: ConditionCode;
  flow!: FlowControl;
  endsBlock!: boolean;
  flagsUndefined!: number;
  flagsWritten!: number;
  flagsRead!: number;
  index!: number;
  private textCache: string | undefined = undefined;
  constructor(fields: Omit<Insn, 'text'>) {
    Object.assign(this, fields);
  }
  get text(): string {
    return (this.textCache ??= formatBytes(this.bytes, this.addr, this.bitness));
  }
}

/** Intel-syntax text of the instruction in `bytes` at `ip`. */
export function formatBytes(bytes: Uint8Array, ip: number, bitness: 32 | 64): string {
  const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
  decoder.ip = BigInt(ip);
  const ins = decoder.decode();
  try {
    return formatter.format(ins);
  } finally {
    ins.free();
    decoder.free();
  }
}

export type DecodeResult = { insn: Insn } | { error: 'invalid'; len: number } | { error: 'need-bytes' };

/** Decodes one instruction at `ip` from `bytes` (which start at ip). */
export function decodeOne(bytes: Uint8Array, ip: number, bitness: 32 | 64): DecodeResult {
  const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
  decoder.ip = BigInt(ip);
  const ins = decoder.decode();
  try {
    const err = decoder.lastError;
    if (err === DecoderError.NoMoreBytes) return { error: 'need-bytes' };
    if (ins.code === Code.INVALID) return { error: 'invalid', len: ins.length };
    return { insn: convert(ins, bytes, bitness) };
  } finally {
    ins.free();
    decoder.free();
  }
}

/**
 * Decodes a run of instructions from `bytes` (starting at `ip`) until one ends a block, `max` is reached,
 * or the bytes run out; the last entry may be an error. Uses one Decoder for the run.
 */
export function decodeRun(bytes: Uint8Array, ip: number, bitness: 32 | 64, max: number): DecodeResult[] {
  const decoder = new Decoder(bitness, bytes, DecoderOptions.None);
  decoder.ip = BigInt(ip);
  const out: DecodeResult[] = [];
  try {
    while (out.length < max && decoder.canDecode) {
      const pos = decoder.position;
      const ins = decoder.decode();
      try {
        if (decoder.lastError === DecoderError.NoMoreBytes) {
          out.push({ error: 'need-bytes' });
          break;
        }
        if (ins.code === Code.INVALID) {
          out.push({ error: 'invalid', len: ins.length });
          break;
        }
        const insn = convert(ins, bytes.subarray(pos), bitness);
        out.push({ insn });
        if (insn.endsBlock) break;
      } finally {
        ins.free();
      }
    }
    const last = out[out.length - 1];
    if (out.length < max && !decoder.canDecode && (!last || ('insn' in last && !last.insn.endsBlock))) out.push({ error: 'need-bytes' });
  } finally {
    decoder.free();
  }
  return out;
}
