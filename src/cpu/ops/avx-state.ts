// XGETBV and the XSAVE family (XSAVE, XSAVEOPT, XSAVEC, XRSTOR) over the components picemu has: x87 (the FPU's
// fields in the legacy region, laid out as FXSAVE lays them), SSE (MXCSR, XMM0-15), AVX (YMM upper halves).
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault } from '../faults.ts';
import { xcr0, XSAVE_AVX_OFFSET } from '../features.ts';
import type { HandlerDef } from '../handler.ts';
import { effectiveAddress } from '../operands.ts';

/** xgetbv: ECX = 0 gives XCR0 in EDX:EAX; ECX = 1 (when the profile has XGETBV1) XINUSE; any other XCR is #GP. */
function xgetbv(): (c: Cpu) => void {
  return (c) => {
    const which = c.r32[2];
    if (which !== 0 && !(which === 1 && c.profile.features.has('xgetbv1'))) fault('general-protection', undefined, undefined, `xgetbv of XCR${which}`);
    const r = c.r32;
    r[0] = which === 0 ? xcr0(c.profile) : xinuse(c);
    r[1] = 0;
    r[4] = 0;
    r[5] = 0;
  };
}

const SIZE = XSAVE_AVX_OFFSET + 256;
const area = new Uint8Array(SIZE);
const view = new DataView(area.buffer);

/**
 * XINUSE (XGETBV with ECX = 1; what XSAVEOPT and XSAVEC skip, and XSTATE_BV records): bit i is 0 only when state
 * component i is in its initial configuration (SDM vol. 1 §13.6), and the processor may report 1 even then. As the
 * host CPU (AMD) does: x87 is in use unless FCW = 037FH, FSW, FOP, FIP, FDP and the tag word are 0 and ST0-7 hold
 * zeros; SSE and AVX are in use from the moment their registers are loaded (the state a CPU starts with, XRSTOR
 * of the component) until an instruction puts them in their initial state (XRSTOR with its XSTATE_BV bit clear,
 * VZEROALL; VZEROUPPER for AVX), and after that whenever a register or MXCSR leaves it (a zeroing idiom such as
 * `pxor xmm0, xmm0` brings it back). Not modelled: the host also reports SSE in use after an instruction other
 * than a zeroing idiom writes zeros (`pand` with zero, `movaps` of a zero register) — its register renamer's
 * business; picemu then reports the initial state the registers are in.
 */
export function xinuse(c: Cpu): number {
  const init = initialized.get(c) ?? 0;
  const sse = !(init & 2) || c.mxcsr !== 0x1f80 || anyNonZero(c.xmm32);
  const avx = c.profile.features.has('avx') && (!(init & 4) || anyNonZero(c.ymmHi32));
  return (x87InUse(c) ? 1 : 0) | (sse ? 2 : 0) | (avx ? 4 : 0);
}
/** Per CPU: the components (bit 1 SSE, bit 2 AVX) an instruction has put in their initial state since they were last loaded. */
const initialized = new WeakMap<Cpu, number>();
/** VZEROUPPER (AVX), VZEROALL (SSE and AVX), XRSTOR's initializations. */
export function noteInitialized(c: Cpu, components: number): void {
  initialized.set(c, (initialized.get(c) ?? 0) | components);
}
/** XRSTOR loading components from memory: in use again. */
function noteLoaded(c: Cpu, components: number): void {
  const init = initialized.get(c);
  if (init) initialized.set(c, init & ~components);
}
function x87InUse(c: Cpu): boolean {
  const x = c.x87;
  if (x.fcw !== 0x37f || x.status !== 0 || x.valid !== 0 || x.fop !== 0 || x.fip !== 0 || x.fdp !== 0) return true;
  for (let p = 0; p < 8; p++) {
    const v = x.st(p);
    if (v.se !== 0 || v.m !== 0n) return true;
  }
  return false;
}
function sseInUse(c: Cpu): boolean {
  return c.mxcsr !== 0x1f80 || anyNonZero(c.xmm32);
}
/** Any nonzero word among the 16 registers' 128-bit halves. */
function anyNonZero(words: Uint32Array): boolean {
  for (let k = 0; k < 64; k++) if (words[k] !== 0) return true;
  return false;
}

/** The x87 fields of the legacy region (FCW FSW abridged-FTW FOP FIP FDP, ST0-7 as 10 of 16 bytes), FXSAVE's layout. */
function saveX87(c: Cpu, wide: boolean): void {
  const x = c.x87;
  view.setUint16(0, x.fcw, true);
  view.setUint16(2, x.status, true);
  view.setUint8(4, x.valid);
  view.setUint8(5, 0);
  view.setUint16(6, x.fop, true);
  if (wide) {
    view.setBigUint64(8, BigInt(x.fip), true);
    view.setBigUint64(16, BigInt(x.fdp), true);
  } else {
    view.setBigUint64(8, BigInt(x.fip >>> 0), true);
    view.setBigUint64(16, BigInt(x.fdp >>> 0), true);
  }
  for (let p = 0; p < 8; p++) {
    const v = x.st(p);
    view.setBigUint64(32 + 16 * p, v.m, true);
    view.setUint16(40 + 16 * p, v.se, true);
    area.fill(0, 42 + 16 * p, 48 + 16 * p);
  }
}
function restoreX87(c: Cpu, wide: boolean): void {
  const x = c.x87;
  x.control = view.getUint16(0, true);
  x.status = view.getUint16(2, true);
  x.fop = view.getUint16(6, true) & 0x7ff;
  x.fip = wide ? Number(view.getBigUint64(8, true)) : view.getUint32(8, true);
  x.fdp = wide ? Number(view.getBigUint64(16, true)) : view.getUint32(16, true);
  for (let p = 0; p < 8; p++) x.setSt(p, { m: view.getBigUint64(32 + 16 * p, true), se: view.getUint16(40 + 16 * p, true) });
  x.valid = area[4];
}

function aligned64(insn: Insn): (c: Cpu) => number {
  const ea = effectiveAddress(insn.mem!);
  return (c) => {
    const a = ea(c);
    if (a % 64 !== 0) fault('general-protection', undefined, undefined, `${insn.text}: area not 64-byte aligned`);
    return a;
  };
}

/** xsave/xsaveopt (standard form, every requested component written) and xsavec (compacted: only those in use); `wide`: the REX.W forms (64-bit FPU pointers). */
function xsave(compacted: boolean, wide: boolean, optimized = false) {
  return (insn: Insn) => {
    const at = aligned64(insn);
    return (c: Cpu) => {
      const a = at(c);
      const rfbm = xcr0(c.profile) & c.r32[0];
      const used = xinuse(c);
      // The header: XSAVE changes only XSTATE_BV's requested bits (the rest of the header stays as it was);
      // XSAVEC writes XSTATE_BV and XCOMP_BV (bit 63: compacted form, then the requested components).
      c.readBytes(a, SIZE, area, 0);
      const bv = view.getUint32(512, true);
      view.setUint32(512, compacted ? rfbm & used : (bv & ~rfbm) | (rfbm & used), true);
      if (compacted) {
        view.setUint32(516, 0, true);
        view.setUint32(520, rfbm, true);
        view.setUint32(524, 0x80000000, true);
      }
      // XSAVEC and XSAVEOPT skip components in their initial state (XSAVEOPT may also skip unmodified ones; picemu
      // writes those).
      const skipInit = compacted || optimized;
      if (rfbm & 1 && (!skipInit || used & 1)) saveX87(c, wide);
      // MXCSR goes with SSE or AVX in the standard form, with an in-use SSE component in the compacted one.
      if (compacted ? rfbm & used & 2 : rfbm & 6) {
        view.setUint32(24, c.mxcsr, true);
        view.setUint32(28, 0xffff, true);
      }
      if (rfbm & 2 && (!skipInit || used & 2)) area.set(c.xmm8.subarray(0, 256), 160);
      if (rfbm & 4 && (!skipInit || used & 4)) area.set(c.ymmHi8.subarray(0, 256), XSAVE_AVX_OFFSET);
      c.writeBytes(a, area, 0, rfbm & 4 ? SIZE : 576);
    };
  };
}

/** xrstor: components with XSTATE_BV set are loaded, the other requested ones reset to their initial state. */
function xrstor(wide: boolean) {
  return (insn: Insn) => restore(insn, wide);
}
function restore(insn: Insn, wide: boolean) {
  const at = aligned64(insn);
  return (c: Cpu) => {
    const a = at(c);
    const rfbm = xcr0(c.profile) & c.r32[0];
    c.readBytes(a, rfbm & 4 ? SIZE : 576, area, 0);
    const bv = view.getUint32(512, true), bvHi = view.getUint32(516, true);
    const compLo = view.getUint32(520, true), compHi = view.getUint32(524, true);
    const compacted = (compHi & 0x80000000) !== 0;
    const bad = (why: string) => fault('general-protection', undefined, undefined, `xrstor: ${why}`);
    if (bvHi !== 0 || bv & ~xcr0(c.profile)) bad('XSTATE_BV names components XCR0 lacks');
    if (!compacted && (compLo | compHi)) bad('XCOMP_BV set in a standard-form area');
    if (compacted && (compHi !== 0x80000000 || compLo & ~xcr0(c.profile) || bv & ~compLo)) bad('XCOMP_BV does not cover XSTATE_BV');
    for (let k = compacted ? 528 : 520; k < 576; k++) if (area[k]) bad('reserved header bytes are not zero');
    const loadMxcsr = compacted ? rfbm & bv & 2 : rfbm & 6;
    const mxcsr = view.getUint32(24, true);
    if (loadMxcsr && mxcsr & ~0xffff) bad(`reserved MXCSR bits in 0x${mxcsr.toString(16)}`);
    if (loadMxcsr) c.mxcsr = mxcsr;
    else if (compacted && rfbm & 2) c.mxcsr = 0x1f80;
    if (rfbm & 1) {
      if (bv & 1) restoreX87(c, wide);
      else c.x87.reset();
    }
    if (rfbm & 2) {
      if (bv & 2) c.xmm8.set(area.subarray(160, 416), 0);
      else c.xmm8.fill(0, 0, 256);
    }
    if (rfbm & 4) {
      if (bv & 4) c.ymmHi8.set(area.subarray(XSAVE_AVX_OFFSET, SIZE), 0);
      else c.ymmHi8.fill(0, 0, 256);
    }
    noteLoaded(c, rfbm & bv & 6);
    noteInitialized(c, rfbm & ~bv & 6);
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Xgetbv'], build: xgetbv, feature: 'xsave' },
  { codes: ['Xsave_mem'], build: xsave(false, false), feature: 'xsave' },
  { codes: ['Xsave64_mem'], build: xsave(false, true), feature: 'xsave' },
  { codes: ['Xsaveopt_mem'], build: xsave(false, false, true), feature: 'xsaveopt' },
  { codes: ['Xsaveopt64_mem'], build: xsave(false, true, true), feature: 'xsaveopt' },
  { codes: ['Xsavec_mem'], build: xsave(true, false), feature: 'xsavec' },
  { codes: ['Xsavec64_mem'], build: xsave(true, true), feature: 'xsavec' },
  { codes: ['Xrstor_mem'], build: xrstor(false), feature: 'xsave' },
  { codes: ['Xrstor64_mem'], build: xrstor(true), feature: 'xsave' },
];
