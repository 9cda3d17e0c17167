// XGETBV and the XSAVE family (XSAVE, XSAVEOPT, XSAVEC, XRSTOR) over the components picemu has: x87 (its
// legacy-area fields at their initial values until the FPU exists), SSE (MXCSR, XMM0-15), AVX (YMM upper halves).
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault } from '../faults.ts';
import { xcr0, XSAVE_AVX_OFFSET } from '../features.ts';
import type { HandlerDef } from '../handler.ts';
import { effectiveAddress } from '../operands.ts';

/** xgetbv: ECX = 0 gives XCR0 in EDX:EAX; any other XCR is #GP (XGETBV1 is not advertised). */
function xgetbv(): (c: Cpu) => void {
  return (c) => {
    if (c.r32[2] !== 0) fault('general-protection', undefined, undefined, `xgetbv of XCR${c.r32[2]}`);
    const r = c.r32;
    r[0] = xcr0(c.profile);
    r[1] = 0;
    r[4] = 0;
    r[5] = 0;
  };
}

const SIZE = XSAVE_AVX_OFFSET + 256;
const area = new Uint8Array(SIZE);
const view = new DataView(area.buffer);

/**
 * XINUSE: SSE and AVX are always reported in use. The SDM lets a processor do so even when a component is in
 * its initial configuration; the host reports them in use after any write, zeros included (xsave.test.ts), and
 * picemu does not track writes. (x87, bit 0, is never in use: picemu has no FPU state yet.)
 */
function inUse(_c: Cpu): number {
  return 6;
}

function aligned64(insn: Insn): (c: Cpu) => number {
  const ea = effectiveAddress(insn.mem!);
  return (c) => {
    const a = ea(c);
    if (a % 64 !== 0) fault('general-protection', undefined, undefined, `${insn.text}: area not 64-byte aligned`);
    return a;
  };
}

/** xsave/xsaveopt (standard form, every requested component written) and xsavec (compacted: only those in use). */
function xsave(compacted: boolean) {
  return (insn: Insn) => {
    const at = aligned64(insn);
    return (c: Cpu) => {
      const a = at(c);
      const rfbm = xcr0(c.profile) & c.r32[0];
      const used = inUse(c);
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
      if (rfbm & 1 && (!compacted || used & 1)) {
        // x87 in its initial state (FNINIT): FCW 0x37f, FSW 0, abridged FTW 0 (all empty), pointers 0, ST0-7 0.
        area.fill(0, 0, 24);
        view.setUint16(0, 0x37f, true);
        area.fill(0, 32, 160);
      }
      // MXCSR goes with SSE or AVX in the standard form, with an in-use SSE component in the compacted one.
      if (compacted ? rfbm & used & 2 : rfbm & 6) {
        view.setUint32(24, c.mxcsr, true);
        view.setUint32(28, 0xffff, true);
      }
      if (rfbm & 2 && (!compacted || used & 2)) area.set(c.xmm8.subarray(0, 256), 160);
      if (rfbm & 4 && (!compacted || used & 4)) area.set(c.ymmHi8.subarray(0, 256), XSAVE_AVX_OFFSET);
      c.writeBytes(a, area, 0, rfbm & 4 ? SIZE : 576);
    };
  };
}

/** xrstor: components with XSTATE_BV set are loaded, the other requested ones reset to their initial state. */
function xrstor(insn: Insn) {
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
    if (rfbm & 2) {
      if (bv & 2) c.xmm8.set(area.subarray(160, 416), 0);
      else c.xmm8.fill(0, 0, 256);
    }
    if (rfbm & 4) {
      if (bv & 4) c.ymmHi8.set(area.subarray(XSAVE_AVX_OFFSET, SIZE), 0);
      else c.ymmHi8.fill(0, 0, 256);
    }
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Xgetbv'], build: xgetbv, feature: 'xsave' },
  { codes: ['Xsave_mem', 'Xsave64_mem'], build: xsave(false), feature: 'xsave' },
  { codes: ['Xsaveopt_mem', 'Xsaveopt64_mem'], build: xsave(false), feature: 'xsaveopt' },
  { codes: ['Xsavec_mem', 'Xsavec64_mem'], build: xsave(true), feature: 'xsavec' },
  { codes: ['Xrstor_mem', 'Xrstor64_mem'], build: xrstor, feature: 'xsave' },
];
