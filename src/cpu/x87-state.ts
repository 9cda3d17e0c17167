// The x87 FPU's registers: eight physical 80-bit registers (MMX registers alias their significands), the
// stack top, which registers are empty, the control and status words and the last-instruction pointers.
import { kindOf, Kind, type F80 } from './float80.ts';

/** Status word bits. */
export const SW_SF = 0x40, SW_ES = 0x80, SW_C0 = 0x100, SW_C1 = 0x200, SW_C2 = 0x400, SW_C3 = 0x4000, SW_B = 0x8000;
export const SW_TOP = 0x3800;

export class X87State {
  /** Significands of the physical registers R0-R7 (= MM0-MM7), with byte/word/dword views for MMX. */
  readonly mmBuffer = new ArrayBuffer(64);
  readonly mant = new BigUint64Array(this.mmBuffer);
  readonly mm8 = new Uint8Array(this.mmBuffer);
  readonly mm16 = new Uint16Array(this.mmBuffer);
  readonly mm32 = new Uint32Array(this.mmBuffer);
  /** Sign and exponent of R0-R7. */
  readonly se = new Uint16Array(8);
  /** Control word. */
  fcw = 0x37f;
  /** Status word with the TOP field kept apart (bits 11-13 here are always 0). */
  fsw = 0;
  top = 0;
  /** Bit i set: physical register i is not empty (the abridged tag FXSAVE stores). */
  valid = 0;
  /** Last x87 instruction: opcode (11 bits), its address, its memory operand's address. */
  fop = 0;
  fip = 0;
  fdp = 0;

  /** The status word: ES and B are derived from the exception flags and masks, as the CPU keeps them. */
  get status(): number {
    return (this.fsw & ~(SW_TOP | SW_ES | SW_B)) | (this.top << 11) | (this.pending ? SW_ES | SW_B : 0);
  }
  /** An unmasked exception is pending (ES): the next waiting x87 instruction raises #MF. */
  get pending(): boolean {
    return (this.fsw & ~this.fcw & 0x3f) !== 0;
  }
  set status(v: number) {
    this.fsw = v & 0xffff & ~SW_TOP;
    this.top = (v >> 11) & 7;
  }

  /** The physical register number of ST(i). */
  phys(i: number): number {
    return (this.top + i) & 7;
  }
  isEmpty(i: number): boolean {
    return ((this.valid >> ((this.top + i) & 7)) & 1) === 0;
  }
  st(i: number): F80 {
    const p = (this.top + i) & 7;
    return { se: this.se[p], m: this.mant[p] };
  }
  setSt(i: number, v: F80): void {
    const p = (this.top + i) & 7;
    this.se[p] = v.se;
    this.mant[p] = v.m;
    this.valid |= 1 << p;
  }
  push(v: F80): void {
    this.top = (this.top - 1) & 7;
    this.setSt(0, v);
  }
  pop(): void {
    this.valid &= ~(1 << this.top);
    this.top = (this.top + 1) & 7;
  }

  /** The full tag word (2 bits per physical register: 00 valid, 01 zero, 10 special, 11 empty), from the contents. */
  get tagWord(): number {
    let t = 0;
    for (let p = 0; p < 8; p++) {
      let tag = 3;
      if ((this.valid >> p) & 1) {
        const k = kindOf({ se: this.se[p], m: this.mant[p] });
        tag = k === Kind.Normal ? 0 : k === Kind.Zero ? 1 : 2;
      }
      t |= tag << (2 * p);
    }
    return t;
  }
  /** Loads a full tag word: only "empty" (11) versus anything else matters. */
  set tagWord(t: number) {
    let v = 0;
    for (let p = 0; p < 8; p++) if (((t >> (2 * p)) & 3) !== 3) v |= 1 << p;
    this.valid = v;
  }

  /** Loads the control word: reserved bits 6-7 and 13-15 read back as the host CPU keeps them (bit 6 set). */
  set control(v: number) {
    this.fcw = (v & 0x1f3f) | 0x40;
  }

  /** fork: the whole FPU (registers, tags, control, status, pointers) as `from` has it. */
  copyFrom(from: X87State): void {
    this.mant.set(from.mant);
    this.se.set(from.se);
    this.fcw = from.fcw;
    this.fsw = from.fsw;
    this.top = from.top;
    this.valid = from.valid;
    this.fop = from.fop;
    this.fip = from.fip;
    this.fdp = from.fdp;
  }

  /** FNINIT: control 0x37f, status 0, all empty, pointers cleared (register contents are kept). */
  reset(): void {
    this.fcw = 0x37f;
    this.fsw = 0;
    this.top = 0;
    this.valid = 0;
    this.fop = 0;
    this.fip = 0;
    this.fdp = 0;
  }
}
