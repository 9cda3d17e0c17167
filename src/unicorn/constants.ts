// The constants unicorn.js 2.x puts on its module object `uc`: unicorn's UC_* names without the `UC_`
// prefix, with unicorn 2's values (x86 registers as in unicorn 2's include/unicorn/x86.h).
import { CPU_X86 } from './cpu-models.ts';

/** uc_version as unicorn.js 2.x reports it (it is built on unicorn 2.1.4). */
const VERSION = {
  API_MAJOR: 2,
  API_MINOR: 1,
  API_PATCH: 4,
  API_EXTRA: 255,
  VERSION_MAJOR: 2,
  VERSION_MINOR: 1,
  VERSION_PATCH: 4,
  VERSION_EXTRA: 255,
  SECOND_SCALE: 1000000,
  MILISECOND_SCALE: 1000,
} as const;

const ARCH = {
  ARCH_ARM: 1,
  ARCH_ARM64: 2,
  ARCH_MIPS: 3,
  ARCH_X86: 4,
  ARCH_PPC: 5,
  ARCH_SPARC: 6,
  ARCH_M68K: 7,
  ARCH_RISCV: 8,
  ARCH_S390X: 9,
  ARCH_TRICORE: 10,
  ARCH_MAX: 11,
} as const;

const MODE = {
  MODE_LITTLE_ENDIAN: 0,
  MODE_BIG_ENDIAN: 1 << 30,
  MODE_ARM: 0,
  MODE_THUMB: 1 << 4,
  MODE_MCLASS: 1 << 5,
  MODE_V8: 1 << 6,
  MODE_ARM926: 1 << 7,
  MODE_ARM946: 1 << 8,
  MODE_ARM1176: 1 << 9,
  MODE_ARMBE8: 1 << 10,
  MODE_MICRO: 1 << 4,
  MODE_MIPS3: 1 << 5,
  MODE_MIPS32R6: 1 << 6,
  MODE_MIPS32: 1 << 2,
  MODE_MIPS64: 1 << 3,
  MODE_16: 1 << 1,
  MODE_32: 1 << 2,
  MODE_64: 1 << 3,
  MODE_PPC32: 1 << 2,
  MODE_PPC64: 1 << 3,
  MODE_QPX: 1 << 4,
  MODE_SPARC32: 1 << 2,
  MODE_SPARC64: 1 << 3,
  MODE_V9: 1 << 4,
  MODE_RISCV32: 1 << 2,
  MODE_RISCV64: 1 << 3,
} as const;

const ERR = {
  ERR_OK: 0,
  ERR_NOMEM: 1,
  ERR_ARCH: 2,
  ERR_HANDLE: 3,
  ERR_MODE: 4,
  ERR_VERSION: 5,
  ERR_READ_UNMAPPED: 6,
  ERR_WRITE_UNMAPPED: 7,
  ERR_FETCH_UNMAPPED: 8,
  ERR_HOOK: 9,
  ERR_INSN_INVALID: 10,
  ERR_MAP: 11,
  ERR_WRITE_PROT: 12,
  ERR_READ_PROT: 13,
  ERR_FETCH_PROT: 14,
  ERR_ARG: 15,
  ERR_READ_UNALIGNED: 16,
  ERR_WRITE_UNALIGNED: 17,
  ERR_FETCH_UNALIGNED: 18,
  ERR_HOOK_EXIST: 19,
  ERR_RESOURCE: 20,
  ERR_EXCEPTION: 21,
  ERR_OVERFLOW: 22,
} as const;

/** uc_mem_type: the `type` a memory hook receives. */
const MEM = {
  MEM_READ: 16,
  MEM_WRITE: 17,
  MEM_FETCH: 18,
  MEM_READ_UNMAPPED: 19,
  MEM_WRITE_UNMAPPED: 20,
  MEM_FETCH_UNMAPPED: 21,
  MEM_WRITE_PROT: 22,
  MEM_READ_PROT: 23,
  MEM_FETCH_PROT: 24,
  MEM_READ_AFTER: 25,
} as const;

const HOOK = {
  HOOK_INTR: 1 << 0,
  HOOK_INSN: 1 << 1,
  HOOK_CODE: 1 << 2,
  HOOK_BLOCK: 1 << 3,
  HOOK_MEM_READ_UNMAPPED: 1 << 4,
  HOOK_MEM_WRITE_UNMAPPED: 1 << 5,
  HOOK_MEM_FETCH_UNMAPPED: 1 << 6,
  HOOK_MEM_READ_PROT: 1 << 7,
  HOOK_MEM_WRITE_PROT: 1 << 8,
  HOOK_MEM_FETCH_PROT: 1 << 9,
  HOOK_MEM_READ: 1 << 10,
  HOOK_MEM_WRITE: 1 << 11,
  HOOK_MEM_FETCH: 1 << 12,
  HOOK_MEM_READ_AFTER: 1 << 13,
  HOOK_INSN_INVALID: 1 << 14,
  HOOK_EDGE_GENERATED: 1 << 15,
  HOOK_TCG_OPCODE: 1 << 16,
  HOOK_TLB_FILL: 1 << 17,
  HOOK_MEM_UNMAPPED: (1 << 4) | (1 << 5) | (1 << 6),
  HOOK_MEM_PROT: (1 << 7) | (1 << 8) | (1 << 9),
  HOOK_MEM_READ_INVALID: (1 << 7) | (1 << 4),
  HOOK_MEM_WRITE_INVALID: (1 << 8) | (1 << 5),
  HOOK_MEM_FETCH_INVALID: (1 << 9) | (1 << 6),
  HOOK_MEM_INVALID: (1 << 4) | (1 << 5) | (1 << 6) | (1 << 7) | (1 << 8) | (1 << 9),
  HOOK_MEM_VALID: (1 << 10) | (1 << 11) | (1 << 12),
} as const;

const QUERY = {
  QUERY_MODE: 1,
  QUERY_PAGE_SIZE: 2,
  QUERY_ARCH: 3,
  QUERY_TIMEOUT: 4,
} as const;

/** uc_control_type, the uc_ctl I/O directions, TLB types and context contents. */
const CTL = {
  CTL_UC_MODE: 0,
  CTL_UC_PAGE_SIZE: 1,
  CTL_UC_ARCH: 2,
  CTL_UC_TIMEOUT: 3,
  CTL_UC_USE_EXITS: 4,
  CTL_UC_EXITS_CNT: 5,
  CTL_UC_EXITS: 6,
  CTL_CPU_MODEL: 7,
  CTL_TB_REQUEST_CACHE: 8,
  CTL_TB_REMOVE_CACHE: 9,
  CTL_TB_FLUSH: 10,
  CTL_TLB_FLUSH: 11,
  CTL_TLB_TYPE: 12,
  CTL_TCG_BUFFER_SIZE: 13,
  CTL_CONTEXT_MODE: 14,
  TLB_CPU: 0,
  TLB_VIRTUAL: 1,
  CTL_CONTEXT_CPU: 1,
  CTL_CONTEXT_MEMORY: 2,
  CTL_IO_NONE: 0,
  CTL_IO_WRITE: 1,
  CTL_IO_READ: 2,
  CTL_IO_READ_WRITE: 3,
} as const;

const PROT = {
  PROT_NONE: 0,
  PROT_READ: 1,
  PROT_WRITE: 2,
  PROT_EXEC: 4,
  PROT_ALL: 7,
} as const;

/** uc_x86_reg in declaration order: a register's number is its index (X86_REG_INVALID = 0). */
const X86_REG_NAMES = [
  'INVALID', 'AH', 'AL', 'AX', 'BH', 'BL', 'BP', 'BPL', 'BX', 'CH', 'CL', 'CS', 'CX', 'DH', 'DI', 'DIL', 'DL',
  'DS', 'DX', 'EAX', 'EBP', 'EBX', 'ECX', 'EDI', 'EDX', 'EFLAGS', 'EIP', 'EIZ', 'ES', 'ESI', 'ESP', 'FPSW',
  'FS', 'GS', 'IP', 'RAX', 'RBP', 'RBX', 'RCX', 'RDI', 'RDX', 'RIP', 'RIZ', 'RSI', 'RSP', 'SI', 'SIL', 'SP',
  'SPL', 'SS',
  'CR0', 'CR1', 'CR2', 'CR3', 'CR4', 'CR5', 'CR6', 'CR7', 'CR8', 'CR9', 'CR10', 'CR11', 'CR12', 'CR13', 'CR14', 'CR15',
  'DR0', 'DR1', 'DR2', 'DR3', 'DR4', 'DR5', 'DR6', 'DR7', 'DR8', 'DR9', 'DR10', 'DR11', 'DR12', 'DR13', 'DR14', 'DR15',
  'FP0', 'FP1', 'FP2', 'FP3', 'FP4', 'FP5', 'FP6', 'FP7',
  'K0', 'K1', 'K2', 'K3', 'K4', 'K5', 'K6', 'K7',
  'MM0', 'MM1', 'MM2', 'MM3', 'MM4', 'MM5', 'MM6', 'MM7',
  'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15',
  'ST0', 'ST1', 'ST2', 'ST3', 'ST4', 'ST5', 'ST6', 'ST7',
  'XMM0', 'XMM1', 'XMM2', 'XMM3', 'XMM4', 'XMM5', 'XMM6', 'XMM7', 'XMM8', 'XMM9', 'XMM10', 'XMM11', 'XMM12',
  'XMM13', 'XMM14', 'XMM15', 'XMM16', 'XMM17', 'XMM18', 'XMM19', 'XMM20', 'XMM21', 'XMM22', 'XMM23', 'XMM24',
  'XMM25', 'XMM26', 'XMM27', 'XMM28', 'XMM29', 'XMM30', 'XMM31',
  'YMM0', 'YMM1', 'YMM2', 'YMM3', 'YMM4', 'YMM5', 'YMM6', 'YMM7', 'YMM8', 'YMM9', 'YMM10', 'YMM11', 'YMM12',
  'YMM13', 'YMM14', 'YMM15', 'YMM16', 'YMM17', 'YMM18', 'YMM19', 'YMM20', 'YMM21', 'YMM22', 'YMM23', 'YMM24',
  'YMM25', 'YMM26', 'YMM27', 'YMM28', 'YMM29', 'YMM30', 'YMM31',
  'ZMM0', 'ZMM1', 'ZMM2', 'ZMM3', 'ZMM4', 'ZMM5', 'ZMM6', 'ZMM7', 'ZMM8', 'ZMM9', 'ZMM10', 'ZMM11', 'ZMM12',
  'ZMM13', 'ZMM14', 'ZMM15', 'ZMM16', 'ZMM17', 'ZMM18', 'ZMM19', 'ZMM20', 'ZMM21', 'ZMM22', 'ZMM23', 'ZMM24',
  'ZMM25', 'ZMM26', 'ZMM27', 'ZMM28', 'ZMM29', 'ZMM30', 'ZMM31',
  'R8B', 'R9B', 'R10B', 'R11B', 'R12B', 'R13B', 'R14B', 'R15B',
  'R8D', 'R9D', 'R10D', 'R11D', 'R12D', 'R13D', 'R14D', 'R15D',
  'R8W', 'R9W', 'R10W', 'R11W', 'R12W', 'R13W', 'R14W', 'R15W',
  'IDTR', 'GDTR', 'LDTR', 'TR', 'FPCW', 'FPTAG', 'MSR', 'MXCSR', 'FS_BASE', 'GS_BASE', 'FLAGS', 'RFLAGS',
  'FIP', 'FCS', 'FDP', 'FDS', 'FOP', 'ENDING',
] as const;

type X86RegName = (typeof X86_REG_NAMES)[number];
export type X86RegConstants = { readonly [K in X86RegName as `X86_REG_${K}`]: number };

const X86_REG = Object.fromEntries(X86_REG_NAMES.map((name, index) => [`X86_REG_${name}`, index])) as X86RegConstants;

/**
 * uc_x86_insn numbers for the instructions a HOOK_INSN can name (IN, OUT, SYSCALL, SYSENTER, CPUID — the
 * only ones unicorn 2 accepts there) and other common ones. The full enum runs to X86_INS_ENDING = 1338.
 */
const X86_INS = {
  X86_INS_INVALID: 0,
  X86_INS_ADD: 8,
  X86_INS_AND: 25,
  X86_INS_CALL: 56,
  X86_INS_CMP: 95,
  X86_INS_CPUID: 113,
  X86_INS_DEC: 137,
  X86_INS_DIV: 138,
  X86_INS_RET: 151,
  X86_INS_HLT: 212,
  X86_INS_IDIV: 215,
  X86_INS_IMUL: 217,
  X86_INS_IN: 218,
  X86_INS_INC: 219,
  X86_INS_INT: 225,
  X86_INS_INT1: 226,
  X86_INS_INT3: 227,
  X86_INS_JMP: 268,
  X86_INS_LEA: 326,
  X86_INS_OR: 336,
  X86_INS_SUB: 337,
  X86_INS_XOR: 338,
  X86_INS_MOV: 453,
  X86_INS_MUL: 487,
  X86_INS_NOP: 498,
  X86_INS_OUT: 500,
  X86_INS_POP: 570,
  X86_INS_PUSH: 592,
  X86_INS_RDTSC: 608,
  X86_INS_RDTSCP: 609,
  X86_INS_SYSCALL: 699,
  X86_INS_SYSENTER: 700,
  X86_INS_SYSEXIT: 701,
  X86_INS_SYSRET: 702,
  X86_INS_TEST: 704,
  X86_INS_UD2: 705,
  X86_INS_XCHG: 1309,
  X86_INS_ENDING: 1338,
} as const;

/** Every constant of the module object, flat, as unicorn.js exposes them. */
export const constants = Object.freeze({
  ...VERSION,
  ...ARCH,
  ...MODE,
  ...ERR,
  ...MEM,
  ...HOOK,
  ...QUERY,
  ...CTL,
  ...PROT,
  ...X86_REG,
  ...X86_INS,
  ...CPU_X86,
});

export type UnicornConstants = typeof constants;

/** uc_ctl control-word builders, as unicorn.js exposes them (UC_CTL / UC_CTL_READ / ...). */
export const ctlBuilders = Object.freeze({
  CTL: (type: number, nr: number, rw: number): number => (type | (nr << 26) | (rw << 30)) >>> 0,
  CTL_NONE: (type: number, nr: number): number => (type | (nr << 26) | (CTL.CTL_IO_NONE << 30)) >>> 0,
  CTL_READ: (type: number, nr: number): number => (type | (nr << 26) | (CTL.CTL_IO_READ << 30)) >>> 0,
  CTL_WRITE: (type: number, nr: number): number => (type | (nr << 26) | (CTL.CTL_IO_WRITE << 30)) >>> 0,
  CTL_READ_WRITE: (type: number, nr: number): number => (type | (nr << 26) | (CTL.CTL_IO_READ_WRITE << 30)) >>> 0,
});
