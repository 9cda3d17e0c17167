// What the manuals leave undefined or implementation-specific in the x87/MMX forms, with their words, and what
// picemu does there. Nothing is masked in the comparison: in each case picemu reproduces the host CPU (AMD EPYC),
// so the differential test compares these bits too; on another CPU they may legitimately differ.
export interface Undefined {
  fswMask: number;
  rflagsMask: number;
}

export interface UndefinedNote {
  forms: RegExp;
  manual: string;
  picemu: string;
}

export const UNDEFINED: UndefinedNote[] = [
  { forms: /^F(add|sub|subr|mul|div|divr|iadd|isub|isubr|imul|idiv|idivr|sqrt|scale|rndint)/, manual: 'SDM "FPU Flags Affected": C0, C2, C3 undefined', picemu: 'left unchanged (as the host)' },
  { forms: /^Ffree/, manual: 'SDM FFREE: "C0, C1, C2, C3 undefined"', picemu: 'C1 cleared, others kept (as the host)' },
  { forms: /^Fprem1?$/, manual: 'SDM FPREM: partial remainder (C2 = 1): "N is an implementation-dependent number between 32 and 63"; C0/C1/C3 hold quotient bits only when the reduction is complete', picemu: 'N = 32 + (exponent difference mod 32); on a partial remainder C0, C1, C3 cleared (as the host)' },
  { forms: /^F2xm1$/, manual: 'SDM F2XM1: "If the source value is outside this range [-1, +1], the result is undefined"', picemu: 'ST(0) unchanged, PE set, C1 cleared (as the host); x = ±1 report PE as the host does' },
  { forms: /^Fyl2xp1$/, manual: 'SDM FYL2XP1: source must be in -(1 - √2/2) .. (1 - √2/2), else "the result is undefined"', picemu: 'x > -1 computed as log2(1 + x); x ≤ -1 returns x with PE (as the host)' },
  { forms: /^(Fsin|Fcos|Fsincos|Fptan|Fpatan|F2xm1|Fyl2x|Fyl2xp1)$/, manual: 'SDM vol. 1 §8.3.10: accuracy better than 1 ulp (the last bit and C1 are implementation-specific)', picemu: 'correctly rounded from ≥256-bit values, reduction by the x87\'s 68-bit π, FYL2X/FYL2XP1 through a 68-bit log; differences ≤ 1 ulp listed by npm run difftest:x87 --list' },
  { forms: /^Fstpnce_sti$/, manual: 'D9 D8+i (FSTP1) is a reserved alias of FSTP ST(i)', picemu: 'copies ST(0) to ST(i) and pops with no stack-underflow check (the host); only i = 0 was drawn' },
  { forms: /^F(u?com|icom)/, manual: 'SDM: with an unmasked invalid-operation exception "the condition code flags are not set"', picemu: 'the host writes the condition codes (and FCOMI the flags) anyway and only skips the pops; picemu does the same' },
  { forms: /^Fldcw|^Fldenv|^Frstor|^Fxrstor/, manual: 'SDM: control word bits 6-7 and 13-15 reserved', picemu: 'loaded as (v & 0x1f3f) | 0x40, as the host reads them back' },
  { forms: /^Fxsave/, manual: 'AMD APM FXSAVE: FIP/FDP/FOP saved only with an unmasked exception pending (ES = 1); MXCSR_MASK is model-specific', picemu: 'the test does not compare FIP/FDP/FOP or MXCSR_MASK (0xffff in picemu, 0x2ffff on the host)' },
  { forms: /^Maskmovq/, manual: 'SDM MASKMOVQ: with an all-zero mask, "exceptions associated with addressing memory and page faults may still be signaled (implementation dependent)"', picemu: 'checks the whole quadword for writing, as the host' },
  { forms: /^Emms$/, manual: 'SDM EMMS: tags all empty (TOP not mentioned)', picemu: 'tags empty and TOP = 0, as the host' },
  { forms: /^Cvtpi2p[sd]_xmm_mmm64$/, manual: 'SDM: the MMX transition (TOP = 0, tags valid) happens for an MMX register source', picemu: 'a memory source neither checks for #MF nor changes the x87 state (as the host)' },
];

const ALL: Undefined = { fswMask: 0xffff, rflagsMask: 0xcd5 };

/** Status-word and flag bits compared for a form: all of them (see UNDEFINED for why). */
export function undefinedFor(_name: string): Undefined {
  return ALL;
}
