// x87 control: FINIT/FNINIT, FCLEX/FNCLEX, FLDCW, FSTCW/FNSTCW, FSTSW/FNSTSW (memory and AX), FSTENV/FNSTENV
// and FLDENV (14/28-byte), FSAVE/FNSAVE and FRSTOR (94/108-byte), FXSAVE/FXRSTOR (with the SSE state), FWAIT,
// and the 8087/287 leftovers that a 387 and later treat as FNOP.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault } from '../faults.ts';
import type { HandlerDef } from '../handler.ts';
import { checkPending, memEA } from './x87-common.ts';

/** `waits`: the form with FWAIT in front (FINIT, FCLEX, FSTCW...) checks for a pending exception first. */
function init(waits: boolean) {
  return () => (c: Cpu) => {
    if (waits) checkPending(c);
    c.x87.reset();
  };
}
function clex(waits: boolean) {
  return () => (c: Cpu) => {
    if (waits) checkPending(c);
    c.x87.fsw &= ~0xff;
  };
}
function fldcw(insn: Insn) {
  const ea = memEA(insn);
  return (c: Cpu) => {
    checkPending(c);
    const v = c.read16(ea(c));
    c.x87.control = v;
  };
}
function fstcw(waits: boolean) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    return (c: Cpu) => {
      if (waits) checkPending(c);
      c.write16(ea(c), c.x87.fcw);
    };
  };
}
function fstswMem(waits: boolean) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    return (c: Cpu) => {
      if (waits) checkPending(c);
      c.write16(ea(c), c.x87.status);
    };
  };
}
function fstswAx(waits: boolean) {
  return () => (c: Cpu) => {
    if (waits) checkPending(c);
    c.r32[0] = (c.r32[0] & 0xffff0000) | c.x87.status;
  };
}

// ---- environment and state images -------------------------------------------------------------------------------

const buf = new Uint8Array(512);
const dv = new DataView(buf.buffer);

/** Writes the environment into buf (28-byte protected-mode layout, or the 14-byte one with a 16-bit operand size). */
function envImage(c: Cpu, small: boolean): number {
  const x = c.x87;
  if (small) {
    dv.setUint16(0, x.fcw, true);
    dv.setUint16(2, x.status, true);
    dv.setUint16(4, x.tagWord, true);
    dv.setUint16(6, x.fip & 0xffff, true);
    dv.setUint16(8, 0, true);
    dv.setUint16(10, x.fdp & 0xffff, true);
    dv.setUint16(12, 0, true);
    return 14;
  }
  dv.setUint32(0, 0xffff0000 | x.fcw, true);
  dv.setUint32(4, 0xffff0000 | x.status, true);
  dv.setUint32(8, 0xffff0000 | x.tagWord, true);
  dv.setUint32(12, x.fip >>> 0, true);
  dv.setUint32(16, (x.fop & 0x7ff) << 16, true);
  dv.setUint32(20, x.fdp >>> 0, true);
  dv.setUint32(24, 0xffff0000, true);
  return 28;
}
function loadEnv(c: Cpu, small: boolean): void {
  const x = c.x87;
  if (small) {
    x.control = dv.getUint16(0, true);
    x.status = dv.getUint16(2, true);
    x.tagWord = dv.getUint16(4, true);
    x.fip = dv.getUint16(6, true);
    x.fdp = dv.getUint16(10, true);
    x.fop = 0;
  } else {
    x.control = dv.getUint16(0, true);
    x.status = dv.getUint16(4, true);
    x.tagWord = dv.getUint16(8, true);
    x.fip = dv.getUint32(12, true);
    x.fop = (dv.getUint32(16, true) >>> 16) & 0x7ff;
    x.fdp = dv.getUint32(20, true);
  }
}

function fstenv(waits: boolean, small: boolean) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    return (c: Cpu) => {
      if (waits) checkPending(c);
      const a = ea(c);
      const n = envImage(c, small);
      c.writeBytes(a, buf, 0, n);
      c.x87.fcw |= 0x3f; // then masks every exception
    };
  };
}
function fldenv(small: boolean) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    return (c: Cpu) => {
      checkPending(c);
      c.readBytes(ea(c), small ? 14 : 28, buf, 0);
      loadEnv(c, small);
    };
  };
}
function fsave(waits: boolean, small: boolean) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    return (c: Cpu) => {
      if (waits) checkPending(c);
      const a = ea(c);
      const n = envImage(c, small);
      const x = c.x87;
      for (let i = 0; i < 8; i++) {
        const v = x.st(i);
        dv.setBigUint64(n + 10 * i, v.m, true);
        dv.setUint16(n + 10 * i + 8, v.se, true);
      }
      c.writeBytes(a, buf, 0, n + 80);
      x.reset();
    };
  };
}
function frstor(small: boolean) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    return (c: Cpu) => {
      checkPending(c);
      const a = ea(c);
      const n = small ? 14 : 28;
      c.readBytes(a, n + 80, buf, 0);
      loadEnv(c, small);
      const x = c.x87;
      const valid = x.valid;
      for (let i = 0; i < 8; i++) x.setSt(i, { m: dv.getBigUint64(n + 10 * i, true), se: dv.getUint16(n + 10 * i + 8, true) });
      x.valid = valid;
    };
  };
}

/** FXSAVE/FXSAVE64: the 512-byte image (x87, MXCSR and its mask, XMM0-15); 16-byte alignment or #GP. */
function fxsave(wide: boolean) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    return (c: Cpu) => {
      const a = ea(c);
      if (a % 16) fault('general-protection', undefined, undefined, `fxsave to 0x${a.toString(16)}: not 16-byte aligned`);
      const x = c.x87;
      c.readBytes(a, 512, buf, 0); // bytes 464-511 are left as they are; a read also checks the mapping
      dv.setUint16(0, x.fcw, true);
      dv.setUint16(2, x.status, true);
      dv.setUint8(4, x.valid);
      dv.setUint8(5, 0);
      dv.setUint16(6, x.fop, true);
      if (wide) {
        dv.setBigUint64(8, BigInt(x.fip), true);
        dv.setBigUint64(16, BigInt(x.fdp), true);
      } else {
        dv.setUint32(8, x.fip >>> 0, true);
        dv.setUint32(12, 0, true);
        dv.setUint32(16, x.fdp >>> 0, true);
        dv.setUint32(20, 0, true);
      }
      dv.setUint32(24, c.mxcsr, true);
      dv.setUint32(28, 0xffff, true);
      for (let p = 0; p < 8; p++) {
        const v = x.st(p);
        dv.setBigUint64(32 + 16 * p, v.m, true);
        dv.setUint16(40 + 16 * p, v.se, true);
        for (let k = 42; k < 48; k++) buf[16 * p + k] = 0;
      }
      buf.set(c.xmm8.subarray(0, 256), 160);
      c.writeBytes(a, buf, 0, 416);
    };
  };
}
function fxrstor(wide: boolean) {
  return (insn: Insn) => {
    const ea = memEA(insn);
    return (c: Cpu) => {
      const a = ea(c);
      if (a % 16) fault('general-protection', undefined, undefined, `fxrstor from 0x${a.toString(16)}: not 16-byte aligned`);
      c.readBytes(a, 416, buf, 0);
      const mxcsr = dv.getUint32(24, true);
      if (mxcsr & 0xffff0000) fault('general-protection', undefined, undefined, `fxrstor: MXCSR 0x${mxcsr.toString(16)} sets reserved bits`);
      const x = c.x87;
      x.control = dv.getUint16(0, true);
      x.status = dv.getUint16(2, true);
      x.fop = dv.getUint16(6, true) & 0x7ff;
      x.fip = wide ? Number(dv.getBigUint64(8, true)) : dv.getUint32(8, true);
      x.fdp = wide ? Number(dv.getBigUint64(16, true)) : dv.getUint32(16, true);
      for (let p = 0; p < 8; p++) x.setSt(p, { m: dv.getBigUint64(32 + 16 * p, true), se: dv.getUint16(40 + 16 * p, true) });
      x.valid = buf[4];
      c.mxcsr = mxcsr;
      c.xmm8.set(buf.subarray(160, 416), 0);
    };
  };
}

function fwait() {
  return () => (c: Cpu) => checkPending(c);
}
function obsolete(waits: boolean) {
  return () => (c: Cpu) => {
    if (waits) checkPending(c);
  };
}

// The FWAIT-prefixed forms (FINIT = 9B DB E3, FSTSW, FSTENV, ...) are registered for completeness, but iced
// decodes the 9B byte as its own WAIT instruction, so guests run WAIT then the FN form.
export const handlers: HandlerDef[] = [
  { codes: ['Fninit'], build: init(false) },
  { codes: ['Finit'], build: init(true) },
  { codes: ['Fnclex'], build: clex(false) },
  { codes: ['Fclex'], build: clex(true) },
  { codes: ['Fldcw_m2byte'], build: fldcw },
  { codes: ['Fnstcw_m2byte'], build: fstcw(false) },
  { codes: ['Fstcw_m2byte'], build: fstcw(true) },
  { codes: ['Fnstsw_m2byte'], build: fstswMem(false) },
  { codes: ['Fstsw_m2byte'], build: fstswMem(true) },
  { codes: ['Fnstsw_AX'], build: fstswAx(false) },
  { codes: ['Fstsw_AX'], build: fstswAx(true) },
  { codes: ['Fnstenv_m14byte'], build: fstenv(false, true) },
  { codes: ['Fstenv_m14byte'], build: fstenv(true, true) },
  { codes: ['Fnstenv_m28byte'], build: fstenv(false, false) },
  { codes: ['Fstenv_m28byte'], build: fstenv(true, false) },
  { codes: ['Fldenv_m14byte'], build: fldenv(true) },
  { codes: ['Fldenv_m28byte'], build: fldenv(false) },
  { codes: ['Fnsave_m94byte'], build: fsave(false, true) },
  { codes: ['Fsave_m94byte'], build: fsave(true, true) },
  { codes: ['Fnsave_m108byte'], build: fsave(false, false) },
  { codes: ['Fsave_m108byte'], build: fsave(true, false) },
  { codes: ['Frstor_m94byte'], build: frstor(true) },
  { codes: ['Frstor_m108byte'], build: frstor(false) },
  { codes: ['Fxsave_m512byte'], build: fxsave(false) },
  { codes: ['Fxsave64_m512byte'], build: fxsave(true) },
  { codes: ['Fxrstor_m512byte'], build: fxrstor(false) },
  { codes: ['Fxrstor64_m512byte'], build: fxrstor(true) },
  { codes: ['Wait'], build: fwait() },
  { codes: ['Fneni', 'Fndisi', 'Fnsetpm'], build: obsolete(false) },
  { codes: ['Feni', 'Fdisi', 'Fsetpm'], build: obsolete(true) },
];
