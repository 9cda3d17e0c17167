// unicorn's x86 register ids over picemu's CpuState: how many bytes uc_reg_read writes for each id in each
// mode, and how a write of those bytes lands (partial registers keep the other bits, as unicorn's do).
import type { CpuState } from '../cpu/state.ts';
import { constants as uc } from './constants.ts';

/** Registers picemu's CPU does not model, kept per engine so a write reads back (segment selectors, CRs, x87...). */
export class SpareRegisters {
  readonly values = new Map<number, Uint8Array>();
}

export interface RegisterAccess {
  /** Bytes uc_reg_read writes (0: the id means nothing in this mode; unicorn then writes nothing and succeeds). */
  width: number;
  /** Writes the register's `width` bytes, little-endian, into out[0..width). */
  read(s: CpuState, spare: SpareRegisters, out: Uint8Array): void;
  /** Takes the register's value from bytes[0..width). */
  write(s: CpuState, spare: SpareRegisters, bytes: Uint8Array): void;
}

const NONE: RegisterAccess = { width: 0, read() {}, write() {} };

/** GPR numbers (encoding order) of the legacy names. */
const GPR64 = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI'];
const GPR32 = ['EAX', 'ECX', 'EDX', 'EBX', 'ESP', 'EBP', 'ESI', 'EDI'];
const GPR16 = ['AX', 'CX', 'DX', 'BX', 'SP', 'BP', 'SI', 'DI'];
const GPR8 = ['AL', 'CL', 'DL', 'BL', 'SPL', 'BPL', 'SIL', 'DIL'];
const GPR8H = ['AH', 'CH', 'DH', 'BH'];

function id(name: string): number {
  const v = (uc as unknown as Record<string, number>)[`X86_REG_${name}`];
  if (v === undefined) throw new Error(`no X86_REG_${name}`);
  return v;
}

/** `width` bytes at byte offset `shift` of GPR r, as a little-endian slice of its 8 bytes. */
function gprSlice(r: number, width: number, shift: number): RegisterAccess {
  return {
    width,
    read(s, _spare, out) {
      const lo = s.r32[2 * r];
      const hi = s.r32[2 * r + 1];
      for (let i = 0; i < width; i++) {
        const b = shift + i;
        out[i] = b < 4 ? (lo >>> (8 * b)) & 0xff : (hi >>> (8 * (b - 4))) & 0xff;
      }
    },
    write(s, _spare, bytes) {
      let lo = s.r32[2 * r];
      let hi = s.r32[2 * r + 1];
      for (let i = 0; i < width; i++) {
        const b = shift + i;
        if (b < 4) lo = (lo & ~(0xff << (8 * b))) | (bytes[i] << (8 * b));
        else hi = (hi & ~(0xff << (8 * (b - 4)))) | (bytes[i] << (8 * (b - 4)));
      }
      s.r32[2 * r] = lo >>> 0;
      s.r32[2 * r + 1] = hi >>> 0;
    },
  };
}

function readNumber(bytes: Uint8Array, width: number): number {
  let v = 0;
  for (let i = Math.min(width, 7) - 1; i >= 0; i--) v = v * 256 + bytes[i];
  return v;
}

function writeNumber(out: Uint8Array, width: number, v: number): void {
  for (let i = 0; i < width; i++) {
    out[i] = v % 256;
    v = Math.floor(v / 256);
  }
}

/** A register held as a JS number (exact below 2^53) in a CpuState field. */
function numeric(width: number, get: (s: CpuState) => number, set: (s: CpuState, v: number) => void): RegisterAccess {
  return {
    width,
    read(s, _spare, out) {
      writeNumber(out, width, get(s));
    },
    write(s, _spare, bytes) {
      set(s, readNumber(bytes, width));
    },
  };
}

/** A register picemu does not model, remembered as bytes (`initial` is unicorn's reset value). */
function spare(regId: number, width: number, initial = 0): RegisterAccess {
  return {
    width,
    read(_s, sp, out) {
      const v = sp.values.get(regId);
      if (v) out.set(v.subarray(0, width));
      else writeNumber(out, width, initial);
    },
    write(_s, sp, bytes) {
      sp.values.set(regId, bytes.slice(0, width));
    },
  };
}

/** XMMn, or YMMn (width 32) whose upper half is zero: picemu has no AVX. */
function xmm(n: number, width: 16 | 32): RegisterAccess {
  return {
    width,
    read(s, _spare, out) {
      out.set(s.xmm8.subarray(16 * n, 16 * n + 16));
      out.fill(0, 16, width);
    },
    write(s, _spare, bytes) {
      s.xmm8.set(bytes.subarray(0, 16), 16 * n);
    },
  };
}

/** unicorn's reset values of DR0-DR7 (DR6 and DR7 have fixed-one bits). */
const DR_RESET = [0, 0, 0, 0, 0, 0, 0xffff0ff0, 0x400];

function build(bits: 64 | 32): RegisterAccess[] {
  const table: RegisterAccess[] = new Array(uc.X86_REG_ENDING).fill(NONE);
  const set = (name: string, access: RegisterAccess): void => {
    table[id(name)] = access;
  };
  const legacy = 8;
  for (let r = 0; r < legacy; r++) {
    if (bits === 64) set(GPR64[r], gprSlice(r, 8, 0));
    set(GPR32[r], gprSlice(r, 4, 0));
    set(GPR16[r], gprSlice(r, 2, 0));
    if (r < 4 || bits === 64) set(GPR8[r], gprSlice(r, 1, 0));
  }
  for (let r = 0; r < 4; r++) set(GPR8H[r], gprSlice(r, 1, 1));
  if (bits === 64) {
    for (let r = 8; r < 16; r++) {
      set(`R${r}`, gprSlice(r, 8, 0));
      set(`R${r}D`, gprSlice(r, 4, 0));
      set(`R${r}W`, gprSlice(r, 2, 0));
      set(`R${r}B`, gprSlice(r, 1, 0));
    }
    set('RIP', numeric(8, (s) => s.rip, (s, v) => (s.rip = v)));
    // unicorn writes EIP and IP into RIP zero-extended in 64-bit mode.
    set('EIP', numeric(4, (s) => s.rip % 2 ** 32, (s, v) => (s.rip = v)));
    set('IP', numeric(2, (s) => s.rip % 65536, (s, v) => (s.rip = s.rip - (s.rip % 65536) + v)));
    set('RFLAGS', numeric(8, (s) => s.rflags, (s, v) => (s.rflags = v)));
    set('FS_BASE', numeric(8, (s) => s.fsBase, (s, v) => (s.fsBase = v)));
    set('GS_BASE', numeric(8, (s) => s.gsBase, (s, v) => (s.gsBase = v)));
    for (const r of ['CR0', 'CR1', 'CR2', 'CR3', 'CR4', 'CR5', 'CR6', 'CR7', 'CR8']) set(r, spare(id(r), 8, r === 'CR0' ? 0x11 : 0));
    for (let r = 0; r < 8; r++) set(`DR${r}`, spare(id(`DR${r}`), 8, DR_RESET[r]));
  } else {
    set('EIP', numeric(4, (s) => s.rip, (s, v) => (s.rip = v)));
    set('IP', numeric(2, (s) => s.rip % 65536, (s, v) => (s.rip = v)));
    set('FS_BASE', numeric(4, (s) => s.fsBase, (s, v) => (s.fsBase = v)));
    for (const r of ['CR0', 'CR1', 'CR2', 'CR3', 'CR4', 'CR5', 'CR6', 'CR7', 'CR8']) set(r, spare(id(r), 4, r === 'CR0' ? 0x11 : 0));
    for (let r = 0; r < 8; r++) set(`DR${r}`, spare(id(`DR${r}`), 4, DR_RESET[r]));
  }
  set('EFLAGS', numeric(4, (s) => s.rflags, (s, v) => (s.rflags = v)));
  // unicorn loads a FLAGS write as the whole EFLAGS.
  set('FLAGS', numeric(2, (s) => s.rflags & 0xffff, (s, v) => (s.rflags = v)));
  for (const seg of ['CS', 'DS', 'ES', 'FS', 'GS', 'SS']) set(seg, spare(id(seg), 2));
  for (let n = 0; n < (bits === 64 ? 16 : 8); n++) {
    set(`XMM${n}`, xmm(n, 16));
    set(`YMM${n}`, xmm(n, 32));
  }
  set('MXCSR', numeric(4, (s) => s.mxcsr, (s, v) => (s.mxcsr = v)));
  set('FPCW', spare(id('FPCW'), 2));
  set('FPSW', spare(id('FPSW'), 2));
  set('FPTAG', spare(id('FPTAG'), 2, 0x5555));
  for (let n = 0; n < 8; n++) {
    set(`ST${n}`, spare(id(`ST${n}`), 10));
    set(`FP${n}`, spare(id(`FP${n}`), 10));
    set(`MM${n}`, spare(id(`MM${n}`), 8));
  }
  return table;
}

const TABLES = { 64: build(64), 32: build(32) };

/** How unicorn's register `regid` reads and writes in a `bits`-bit engine (width 0 for ids unicorn ignores). */
export function registerAccess(bits: 64 | 32, regid: number): RegisterAccess {
  return TABLES[bits][regid] ?? NONE;
}
