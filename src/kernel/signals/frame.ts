// The x86-64 rt_sigframe, as arch/x86/kernel/signal_64.c builds it on signal delivery and rt_sigreturn reads
// it back: return address (sa_restorer), ucontext (uc_flags, uc_link, uc_stack, sigcontext, uc_sigmask),
// siginfo, and the FPU state 64-byte aligned above it: fxsave format on a CPU profile without XSAVE; with XSAVE
// (x86-64-v3) the standard-form XSAVE area (legacy region, header, AVX's upper halves) marked with the FP_XSTATE
// magic words, restored as XRSTOR does (features whose xstate_bv bit is clear go to their initial state).
import type { Cpu } from '../../cpu/index.ts';
import { XSAVE_AVX_OFFSET, XSAVE_AVX_SIZE, xcr0, xsaveSize } from '../../cpu/features.ts';
import type { AddressSpace } from '../../mm/address-space.ts';
import { copyFromUser, copyToUser } from '../user-memory.ts';
import { SA_ONSTACK, SA_RESTORER, SA_SIGINFO, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK, UNBLOCKABLE } from './constants.ts';
import { encodeSiginfo, type SigInfo } from './siginfo.ts';

/** sizeof(struct rt_sigframe): pretcode 8 + ucontext 304 + siginfo 128. */
export const RT_SIGFRAME_SIZE = 440;
/** sizeof(struct fxregs_state). */
export const FXSAVE_SIZE = 512;
const REDZONE = 128;

/** Offsets in the frame. */
const UC = 8;
const UC_FLAGS = UC + 0, UC_LINK = UC + 8, UC_STACK = UC + 16, MCONTEXT = UC + 40, UC_SIGMASK = UC + 296;
const INFO = UC + 304;
/** Offsets in struct sigcontext (after the 16 GPRs: rip, eflags, cs/gs/fs/ss, err, trapno, oldmask, cr2, fpstate). */
const SC_RIP = 128, SC_EFLAGS = 136, SC_CS = 144, SC_SS = 150, SC_ERR = 152, SC_TRAPNO = 160, SC_OLDMASK = 168, SC_CR2 = 176, SC_FPSTATE = 184;
/** The GPRs in sigcontext order (r8-r15, rdi, rsi, rbp, rbx, rdx, rax, rcx, rsp) as register numbers. */
const SC_GPRS = [8, 9, 10, 11, 12, 13, 14, 15, 7, 6, 5, 3, 2, 0, 1, 4];

export const UC_FP_XSTATE = 1, UC_SIGCONTEXT_SS = 2, UC_STRICT_RESTORE_SS = 4;
export const USER_CS = 0x33, USER_DS = 0x2b;

const CF = 1, PF = 1 << 2, AF = 1 << 4, ZF = 1 << 6, SF = 1 << 7, TF = 1 << 8, DF = 1 << 10, OF = 1 << 11, RF = 1 << 16, AC = 1 << 18;
/** The flags sigreturn takes from the frame (__FIX_EFLAGS). */
const FIX_EFLAGS = AC | OF | DF | TF | SF | ZF | AF | PF | CF | RF;
const MXCSR_DEFAULT = 0x1f80;
/** MXCSR bits fxrstor accepts (the mxcsr_mask fxsave reports, DAZ included). */
export const MXCSR_MASK = 0xffff;

/** sigaltstack state (the task's sas_ss_sp/size/flags). */
export interface AltStack {
  sp: bigint;
  size: bigint;
  flags: number;
}

/** What the kernel's thread struct remembers of the last trap (sigcontext's trapno, err, cr2). */
export interface TrapState {
  trapno: number;
  err: number;
  cr2: number;
}

/** The handler to enter (a k_sigaction). */
export interface FrameAction {
  handler: bigint;
  flags: bigint;
  restorer: bigint;
}

/** on_sig_stack: sp lies in (ss_sp, ss_sp + ss_size]; never while SS_AUTODISARM is set. */
export function onSigStack(alt: AltStack, sp: bigint): boolean {
  if (alt.flags & SS_AUTODISARM) return false;
  return sp > alt.sp && sp - alt.sp <= alt.size;
}

/** sas_ss_flags: SS_DISABLE with no alternate stack, SS_ONSTACK when `sp` is on it, else 0. */
export function sasSsFlags(alt: AltStack, sp: bigint): number {
  if (alt.size === 0n) return SS_DISABLE;
  return onSigStack(alt, sp) ? SS_ONSTACK : 0;
}

/** The fxsave image (64-bit form) of the CPU's x87, MXCSR and XMM state, as FXSAVE64 writes it. */
function fxsaveImage(cpu: Cpu): Uint8Array {
  const out = new Uint8Array(FXSAVE_SIZE);
  const v = new DataView(out.buffer);
  const x = cpu.x87;
  v.setUint16(0, x.fcw, true);
  v.setUint16(2, x.status, true);
  v.setUint8(4, x.valid); // the abridged tag word: one bit per physical register
  v.setUint16(6, x.fop, true);
  v.setBigUint64(8, BigInt(x.fip), true);
  v.setBigUint64(16, BigInt(x.fdp), true);
  v.setUint32(24, cpu.mxcsr >>> 0, true);
  v.setUint32(28, MXCSR_MASK, true);
  for (let i = 0; i < 8; i++) {
    const st = x.st(i);
    v.setBigUint64(32 + 16 * i, st.m, true);
    v.setUint16(40 + 16 * i, st.se, true);
  }
  out.set(cpu.xmm8.subarray(0, 256), 160);
  return out;
}

/** FXRSTOR64 of an image: x87 (registers, control, status, tags, pointers), MXCSR (reserved bits dropped) and XMM. */
function fxrstorImage(cpu: Cpu, fx: Uint8Array): void {
  const v = new DataView(fx.buffer, fx.byteOffset, FXSAVE_SIZE);
  const x = cpu.x87;
  x.control = v.getUint16(0, true);
  x.status = v.getUint16(2, true);
  x.fop = v.getUint16(6, true) & 0x7ff;
  x.fip = Number(v.getBigUint64(8, true));
  x.fdp = Number(v.getBigUint64(16, true));
  for (let i = 0; i < 8; i++) x.setSt(i, { m: v.getBigUint64(32 + 16 * i, true), se: v.getUint16(40 + 16 * i, true) });
  x.valid = fx[4]!;
  cpu.mxcsr = v.getUint32(24, true) & MXCSR_MASK;
  cpu.xmm8.set(fx.subarray(160, 416), 0);
}

/** fpu__clear_user_states: the FPU as after FNINIT, MXCSR at its default, XMM and YMM registers zero. */
function resetFpu(cpu: Cpu): void {
  cpu.x87.reset();
  cpu.xmm8.fill(0, 0, 256);
  cpu.ymmHi8.fill(0, 0, XSAVE_AVX_SIZE);
  cpu.mxcsr = MXCSR_DEFAULT;
}

// The XSAVE area in a signal frame (arch/x86/include/uapi/asm/sigcontext.h): struct _fpx_sw_bytes in the legacy
// region's software-reserved bytes, FP_XSTATE_MAGIC2 right after the xstate.
export const FP_XSTATE_MAGIC1 = 0x46505853, FP_XSTATE_MAGIC2 = 0x46505845;
const SW_MAGIC1 = 464, SW_EXTENDED_SIZE = 468, SW_XFEATURES = 472, SW_XSTATE_SIZE = 480;
const XSAVE_HEADER = 512, XSAVE_HEADER_SIZE = 64;
const XFEATURE_FP = 1, XFEATURE_SSE = 2, XFEATURE_YMM = 4;

/** The FPU state's size in a frame (xstate_sigframe_size): the xstate and MAGIC2 with XSAVE, else the fxsave image. */
function fpstateSize(cpu: Cpu): number {
  return cpu.profile.features.has('xsave') ? xsaveSize(cpu.profile) + 4 : FXSAVE_SIZE;
}

/** Whether AVX's state is in use (XINUSE[2]): picemu counts it in use when an upper half is not zero. */
function ymmInUse(cpu: Cpu): boolean {
  return cpu.ymmHi8.subarray(0, XSAVE_AVX_SIZE).some((b) => b !== 0);
}

/**
 * The FPU state as copy_fpstate_to_sigframe writes it: the fxsave image; with XSAVE, the header (xstate_bv: what
 * is in use, FP and SSE always, as save_xstate_epilog sets them), AVX's upper halves when in use (XSAVE leaves
 * the bytes of a feature in its initial state unwritten) and the magic words. Pieces: [offset, bytes].
 */
function fpstateImage(cpu: Cpu): [number, Uint8Array][] {
  const fx = fxsaveImage(cpu);
  if (!cpu.profile.features.has('xsave')) return [[0, fx]];
  const size = xsaveSize(cpu.profile);
  const sw = new DataView(fx.buffer);
  sw.setUint32(SW_MAGIC1, FP_XSTATE_MAGIC1, true);
  sw.setUint32(SW_EXTENDED_SIZE, size + 4, true);
  sw.setBigUint64(SW_XFEATURES, BigInt(xcr0(cpu.profile)), true);
  sw.setUint32(SW_XSTATE_SIZE, size, true);
  const header = new Uint8Array(XSAVE_HEADER_SIZE);
  const inUse = (xcr0(cpu.profile) & XFEATURE_YMM) !== 0 && ymmInUse(cpu);
  header[0] = XFEATURE_FP | XFEATURE_SSE | (inUse ? XFEATURE_YMM : 0);
  const pieces: [number, Uint8Array][] = [[0, fx], [XSAVE_HEADER, header]];
  if (inUse) pieces.push([XSAVE_AVX_OFFSET, cpu.ymmHi8.slice(0, XSAVE_AVX_SIZE)]);
  pieces.push([size, Uint8Array.of(0x45, 0x58, 0x50, 0x46)]); // FP_XSTATE_MAGIC2, little-endian
  return pieces;
}

/**
 * __fpu_restore_sig on a CPU with XSAVE: an XSAVE area when the software bytes and MAGIC2 say there is one (else the
 * legacy fxsave image alone, every other feature initialized); XRSTOR's rules: a header with reserved bits, a
 * compacted form or features outside XCR0 faults (false); a feature not requested or with its xstate_bv bit clear
 * is initialized.
 */
function restoreXstate(cpu: Cpu, space: AddressSpace, fpstate: number, fx: Uint8Array): boolean {
  const sw = new DataView(fx.buffer, fx.byteOffset, FXSAVE_SIZE);
  const user = xcr0(cpu.profile);
  let requested = XFEATURE_FP | XFEATURE_SSE; // fx_only
  let bv = requested;
  const xstateSize = sw.getUint32(SW_XSTATE_SIZE, true);
  if (sw.getUint32(SW_MAGIC1, true) === FP_XSTATE_MAGIC1 && xstateSize >= XSAVE_HEADER + XSAVE_HEADER_SIZE && xstateSize <= xsaveSize(cpu.profile) && xstateSize <= sw.getUint32(SW_EXTENDED_SIZE, true)) {
    const magic2 = copyFromUser(space, fpstate + xstateSize, 4);
    if (magic2.length === 4 && new DataView(magic2.buffer, magic2.byteOffset).getUint32(0, true) === FP_XSTATE_MAGIC2) {
      const header = copyFromUser(space, fpstate + XSAVE_HEADER, XSAVE_HEADER_SIZE);
      if (header.length !== XSAVE_HEADER_SIZE) return false;
      const h = new DataView(header.buffer, header.byteOffset, XSAVE_HEADER_SIZE);
      const xstateBv = h.getBigUint64(0, true);
      if (h.getBigUint64(8, true) !== 0n || header.subarray(16).some((b) => b !== 0) || (xstateBv & ~BigInt(user)) !== 0n) return false;
      requested = Number(sw.getBigUint64(SW_XFEATURES, true) & BigInt(user));
      bv = Number(xstateBv);
    }
  }
  const load = requested & bv;
  let ymm: Uint8Array | undefined;
  if (load & XFEATURE_YMM) {
    ymm = copyFromUser(space, fpstate + XSAVE_AVX_OFFSET, XSAVE_AVX_SIZE);
    if (ymm.length !== XSAVE_AVX_SIZE) return false;
  }
  fxrstorImage(cpu, fx);
  if (!(load & XFEATURE_FP)) {
    cpu.x87.reset();
    for (let i = 0; i < 8; i++) cpu.x87.setSt(i, { m: 0n, se: 0 });
  }
  if (!(load & XFEATURE_SSE)) cpu.xmm8.fill(0, 0, 256);
  if (!(requested & (XFEATURE_SSE | XFEATURE_YMM))) cpu.mxcsr = MXCSR_DEFAULT;
  if (ymm) cpu.ymmHi8.set(ymm, 0);
  else cpu.ymmHi8.fill(0, 0, XSAVE_AVX_SIZE);
  return true;
}

export interface SetupResult {
  ok: boolean;
  /** Where the frame went (the handler's rsp), when ok. */
  frame?: number;
}

/**
 * Builds the frame for `info` on the task's stack (or its alternate stack under SA_ONSTACK) and points the CPU
 * at the handler: rdi = signo, rsi = &info, rdx = &uc, rax = 0, rsp = frame, DF/RF/TF cleared, FPU state reset.
 * `oldBlocked` is the mask to restore on sigreturn. Returns ok: false when the frame cannot be written (the caller
 * forces SIGSEGV, as the kernel's signal_setup_done does); registers are then untouched.
 */
export function setupRtFrame(cpu: Cpu, space: AddressSpace, action: FrameAction, info: SigInfo, oldBlocked: bigint, alt: AltStack, trap: TrapState): SetupResult {
  if (!(action.flags & SA_RESTORER)) return { ok: false }; // no SA_RESTORER: x86-64 has no kernel-provided return path
  const regsSp = cpu.r64[4]!;
  const onStack = onSigStack(alt, regsSp);
  let sp = regsSp - BigInt(REDZONE);
  if (action.flags & SA_ONSTACK && sasSsFlags(alt, sp) === 0) sp = alt.sp + alt.size;
  sp = BigInt.asUintN(64, sp - BigInt(fpstateSize(cpu))) & ~63n;
  const fpstate = sp;
  sp -= BigInt(RT_SIGFRAME_SIZE);
  sp = (sp & ~15n) - 8n;
  if (onStack && !onSigStack(alt, sp)) return { ok: false }; // would overflow the alternate stack
  const frameVa = Number(sp);
  for (const [at, piece] of fpstateImage(cpu)) if (copyToUser(space, Number(fpstate) + at, piece) !== piece.length) return { ok: false };

  // The frame, less the siginfo area when SA_SIGINFO is not set (the kernel leaves it as the stack had it).
  const size = action.flags & SA_SIGINFO ? RT_SIGFRAME_SIZE : INFO;
  const bytes = new Uint8Array(size);
  const v = new DataView(bytes.buffer);
  v.setBigUint64(0, action.restorer, true);
  v.setBigUint64(UC_FLAGS, BigInt((cpu.profile.features.has('xsave') ? UC_FP_XSTATE : 0) | UC_SIGCONTEXT_SS | UC_STRICT_RESTORE_SS), true);
  v.setBigUint64(UC_LINK, 0n, true);
  v.setBigUint64(UC_STACK, alt.sp, true);
  v.setInt32(UC_STACK + 8, sasSsFlags(alt, regsSp) | (alt.flags & SS_AUTODISARM), true);
  v.setBigUint64(UC_STACK + 16, alt.size, true);
  SC_GPRS.forEach((r, k) => v.setBigUint64(MCONTEXT + 8 * k, cpu.r64[r]!, true));
  v.setBigUint64(MCONTEXT + SC_RIP, BigInt(cpu.rip), true);
  v.setBigUint64(MCONTEXT + SC_EFLAGS, BigInt(cpu.rflags >>> 0), true);
  v.setUint16(MCONTEXT + SC_CS, USER_CS, true);
  v.setUint16(MCONTEXT + SC_SS, USER_DS, true);
  v.setBigUint64(MCONTEXT + SC_ERR, BigInt(trap.err), true);
  v.setBigUint64(MCONTEXT + SC_TRAPNO, BigInt(trap.trapno), true);
  v.setBigUint64(MCONTEXT + SC_OLDMASK, BigInt.asUintN(64, oldBlocked), true);
  v.setBigUint64(MCONTEXT + SC_CR2, BigInt(trap.cr2), true);
  v.setBigUint64(MCONTEXT + SC_FPSTATE, fpstate, true);
  v.setBigUint64(UC_SIGMASK, BigInt.asUintN(64, oldBlocked), true);
  if (action.flags & SA_SIGINFO) bytes.set(encodeSiginfo(info), INFO);
  if (copyToUser(space, frameVa, bytes) !== size) return { ok: false };

  // The handler's registers.
  cpu.r64[7] = BigInt(info.signo);
  cpu.r64[0] = 0n;
  cpu.r64[6] = sp + BigInt(INFO);
  cpu.r64[2] = sp + BigInt(UC);
  cpu.r64[4] = sp;
  cpu.rip = Number(action.handler);
  cpu.rflags = cpu.rflags & ~(DF | RF | TF);
  resetFpu(cpu); // the handler starts with the FPU in its initial state
  return { ok: true, frame: frameVa };
}

export interface RestoreResult {
  ok: boolean;
  /** The signal mask saved in the frame (SIGKILL/SIGSTOP removed), to install. */
  blocked?: bigint;
  /** The uc_stack saved in the frame, for restore_altstack. */
  altStack?: AltStack;
}

/**
 * rt_sigreturn: reads the frame at rsp - 8 (the handler's `ret` popped pretcode) and restores the registers,
 * the flags sigreturn may change, and the FPU/SSE state. Returns ok: false on a bad frame (the kernel then forces
 * SIGSEGV); registers are untouched then.
 */
export function restoreRtFrame(cpu: Cpu, space: AddressSpace): RestoreResult {
  const frameVa = Number(BigInt.asUintN(64, cpu.r64[4]! - 8n));
  const bytes = copyFromUser(space, frameVa, INFO);
  if (bytes.length !== INFO) return { ok: false };
  const v = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
  const fpstate = v.getBigUint64(MCONTEXT + SC_FPSTATE, true);
  let fx: Uint8Array | undefined;
  if (fpstate !== 0n) {
    if (fpstate % 64n !== 0n) return { ok: false }; // fxrstor needs 16-byte alignment; the kernel checks 64
    fx = copyFromUser(space, Number(fpstate), FXSAVE_SIZE);
    if (fx.length !== FXSAVE_SIZE) return { ok: false };
  }
  SC_GPRS.forEach((r, k) => (cpu.r64[r] = v.getBigUint64(MCONTEXT + 8 * k, true)));
  cpu.rip = Number(v.getBigUint64(MCONTEXT + SC_RIP, true)); // a non-canonical RIP faults at the next fetch
  const flags = Number(v.getBigUint64(MCONTEXT + SC_EFLAGS, true) & 0xffffffffn);
  cpu.rflags = (cpu.rflags & ~FIX_EFLAGS) | (flags & FIX_EFLAGS);
  if (fx && cpu.profile.features.has('xsave')) {
    if (!restoreXstate(cpu, space, Number(fpstate), fx)) return { ok: false };
  } else if (fx) {
    fxrstorImage(cpu, fx);
    cpu.ymmHi8.fill(0, 0, XSAVE_AVX_SIZE);
  } else resetFpu(cpu);
  return {
    ok: true,
    blocked: v.getBigUint64(UC_SIGMASK, true) & ~UNBLOCKABLE,
    altStack: { sp: v.getBigUint64(UC_STACK, true), flags: v.getInt32(UC_STACK + 8, true), size: v.getBigUint64(UC_STACK + 16, true) },
  };
}
