// Native unicorn-engine as a second opinion for the x87/MMX differential test (never the judge: it is known to
// be unreliable on x87): runs a case with the same registers, FPU state and memory, and reads the state back into
// the FXSAVE layout x87-difftest.ts compares.
import { loadNativeUnicorn } from '../helpers/native-unicorn.ts';
import { CODE_ADDR, MEM_ADDR, MEM_SIZE, type Result, type X87Case } from './x87-difftest.ts';

const GPR = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];

/* eslint-disable @typescript-eslint/no-explicit-any */
let uc: any = null;

/** Runs one case in native unicorn (a fresh engine: its translation cache would keep the previous bytes). */
export function runUnicorn(c: X87Case): Result | null {
  uc ??= loadNativeUnicorn();
  if (!uc) return null;
  const u = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
  try {
    u.mem_map(CODE_ADDR, 4096, uc.PROT_READ | uc.PROT_EXEC);
    u.mem_write(CODE_ADDR, Uint8Array.from([...c.bytes, 0xf4]));
    u.mem_map(MEM_ADDR, 4096, uc.PROT_READ | uc.PROT_WRITE);
    u.mem_write(MEM_ADDR, c.mem);
    const dv = new DataView(c.fx.buffer, c.fx.byteOffset);
    GPR.forEach((r, i) => u.reg_write(uc[`X86_REG_${r}`], c.gpr[i]));
    u.reg_write(uc.X86_REG_RSP, 0x30000800n);
    u.reg_write(uc.X86_REG_RFLAGS, BigInt((c.rflags & 0xcd5) | 0x202));
    const fsw = dv.getUint16(2, true);
    const top = (fsw >> 11) & 7;
    u.reg_write(uc.X86_REG_FPCW, dv.getUint16(0, true));
    u.reg_write(uc.X86_REG_FPSW, fsw);
    let tag = 0;
    for (let p = 0; p < 8; p++) if (!((c.fx[4] >> p) & 1)) tag |= 3 << (2 * p);
    u.reg_write(uc.X86_REG_FPTAG, tag);
    for (let i = 0; i < 8; i++) u.reg_write(uc[`X86_REG_FP${(top + i) & 7}`], c.fx.subarray(32 + 16 * i, 42 + 16 * i));
    u.reg_write(uc.X86_REG_MXCSR, dv.getUint32(24, true));
    for (let x = 0; x < 16; x++) u.reg_write(uc[`X86_REG_XMM${x}`], c.fx.subarray(160 + 16 * x, 176 + 16 * x));
    try {
      u.emu_start(CODE_ADDR, CODE_ADDR + c.bytes.length, 0, 1);
    } catch (e) {
      return { signal: { signo: 0, code: 0 }, ...{ error: String(e) } } as Result;
    }
    const fx = new Uint8Array(416);
    const out = new DataView(fx.buffer);
    out.setUint16(0, u.reg_read_i32(uc.X86_REG_FPCW) & 0xffff, true);
    const sw = u.reg_read_i32(uc.X86_REG_FPSW) & 0xffff;
    out.setUint16(2, sw, true);
    const t = u.reg_read_i32(uc.X86_REG_FPTAG) & 0xffff;
    for (let p = 0; p < 8; p++) if (((t >> (2 * p)) & 3) !== 3) fx[4] |= 1 << p;
    out.setUint32(24, u.reg_read_i32(uc.X86_REG_MXCSR), true);
    const newTop = (sw >> 11) & 7;
    for (let i = 0; i < 8; i++) fx.set(u.reg_read(uc[`X86_REG_FP${(newTop + i) & 7}`], 10), 32 + 16 * i);
    for (let x = 0; x < 16; x++) fx.set(u.reg_read(uc[`X86_REG_XMM${x}`], 16), 160 + 16 * x);
    return {
      rflags: Number(u.reg_read_i64(uc.X86_REG_RFLAGS)),
      gpr: GPR.map((r) => BigInt.asUintN(64, BigInt(u.reg_read_i64(uc[`X86_REG_${r}`])))),
      fx,
      mem: Uint8Array.from(u.mem_read(MEM_ADDR, MEM_SIZE)),
    };
  } finally {
    u.close();
  }
}
