// The integer-ISA case table: Intel-syntax lines (or `hex:` bytes) run on the host CPU and in picemu.
// A case may adjust the starting state (`setup`) and name registers whose value the host alone decides (`ignore`).
import { CODE_ADDR, FLAG_MASK, MEM_ADDR, type State } from './host-exec.ts';

/** Codes only encodable outside 64-bit mode: covered by the MODE_32 tests against native unicorn. */
export const LEGACY_ONLY = /^(Inc_r(16|32)|Dec_r(16|32)|\w+_rm8_imm8_82|Push_r32|Pop_r32|Push_rm32|Pop_rm32|Pushd_imm(8|32)|Pushfd|Popfd|Leaved|Retnd(_imm16)?|Jmp_rel(8|32)_32|J\w+_rel(8|32)_32|Call_rel32_32|Call_rm32|Jmp_rm32|Loop\w*_32_ECX|Jecxz_rel8_32)$/;

export interface IntCase {
  asm: string;
  setup?: (s: State, variant: number) => void;
  /** GPR numbers not compared (e.g. rax after a real syscall). */
  ignore?: number[];
  /** The bytes are several instructions (the first is the one under test). */
  sequence?: boolean;
}

const u64 = (s: State, off: number, v: bigint) => new DataView(s.mem.buffer).setBigUint64(off, v, true);
const RSP_OFF = 0xe00;

const CCS = ['o', 'no', 'b', 'ae', 'e', 'ne', 'be', 'a', 's', 'ns', 'p', 'np', 'l', 'ge', 'le', 'g'];
const ALU_OPS = ['add', 'or', 'adc', 'sbb', 'and', 'sub', 'xor', 'cmp'];

function aluForms(op: string): string[] {
  return [
    `${op} al, 0x85`, `${op} ax, 0x1234`, `${op} eax, 0x89abcdef`, `${op} rax, -0x789abcd`,
    `${op} bl, 0x85`, `${op} cx, -3`, `${op} dx, 0x1234`, `${op} ebx, -3`, `${op} r9d, 0x12345678`, `${op} rcx, 0x7f`, `${op} r10, -0x12345678`,
    `${op} dl, ch`, `${op} r8w, ax`, `${op} ebp, edx`, `${op} r11, rax`, `${op} sil, r9b`,
    `{load} ${op} dl, ch`, `{load} ${op} r8w, ax`, `{load} ${op} ebp, edx`, `{load} ${op} r11, rax`,
    `${op} byte ptr [rsi+3], dl`, `${op} word ptr [rsi+1], r10w`, `${op} dword ptr [rsi], r8d`, `${op} qword ptr [rdi+5], rbp`,
    `${op} dl, byte ptr [rsi]`, `${op} r11w, word ptr [rsi+7]`, `${op} r12d, dword ptr [rdi]`, `${op} r13, qword ptr [rsi+9]`,
    `${op} byte ptr [rdi], 0x12`, `${op} word ptr [rsi+2], 0x4321`, `${op} word ptr [rsi+2], 5`, `${op} dword ptr [rsi+4], -7`,
    `${op} dword ptr [rsi+4], 0x12345`, `${op} qword ptr [rdi+8], 0x7fffffff`, `${op} qword ptr [rdi+8], 3`,
  ];
}

const unary = (op: string) => [`${op} bl`, `${op} ah`, `${op} cx`, `${op} edx`, `${op} r9`, `${op} byte ptr [rsi]`, `${op} word ptr [rsi+1]`, `${op} dword ptr [rdi+2]`, `${op} qword ptr [rsi+3]`];
const shiftForms = (op: string) => [
  `${op} bl, 1`, `${op} cx, 1`, `${op} edx, 1`, `${op} r9, 1`, `${op} byte ptr [rsi], 1`, `${op} qword ptr [rdi], 1`,
  `${op} byte ptr [rsi], cl`, `${op} ax, cl`, `${op} eax, cl`, `${op} r10, cl`, `${op} dword ptr [rsi+1], cl`,
  `${op} dl, 5`, `${op} dl, 9`, `${op} word ptr [rsi], 17`, `${op} si, 3`, `${op} ebp, 31`, `${op} ebp, 7`, `${op} qword ptr [rdi], 63`, `${op} r11, 33`, `${op} r11, 32`, `${op} r11, 4`,
];
// sal's own encoding (/6), which as never emits.
const salForms = ['hex:d0f3', 'hex:66d1f1', 'hex:d1f2', 'hex:48d1f1', 'hex:d2f3', 'hex:66d3f1', 'hex:d3f2', 'hex:48d3f1', 'hex:c0f305', 'hex:66c1f111', 'hex:c1f21f', 'hex:48c1f121'];

const ret = (s: State) => u64(s, RSP_OFF, BigInt(CODE_ADDR + 0x30));
const safeFlags = (s: State, v: number) => u64(s, RSP_OFF, BigInt((((v * 0x9e3779b1) >>> 0) & FLAG_MASK & ~0x400) | 2));
const divSetup = (s: State, v: number) => {
  if (v % 2 === 0) s.gpr[2] = 0n; // rdx = 0 half the time: fewer #DE
  if (v % 4 === 0) s.gpr[2] = BigInt(v & 3);
};
const df = (s: State, v: number) => {
  if (v % 2) s.rflags |= 0x400;
};
const eq = (s: State, v: number) => {
  // cmpxchg: make the comparison succeed in half the variants.
  if (v % 2) {
    s.gpr[0] = s.gpr[1];
    new DataView(s.mem.buffer).setBigUint64(Number(s.gpr[6]) - MEM_ADDR, s.gpr[0], true);
  }
};
const eqWide = (s: State, v: number) => {
  if (v % 2) {
    const off = Number(s.gpr[6]) - MEM_ADDR;
    const dv = new DataView(s.mem.buffer);
    dv.setBigUint64(off, s.gpr[0], true);
    dv.setBigUint64(off + 8, s.gpr[2], true);
    s.gpr[0] = dv.getBigUint64(off, true);
    // cmpxchg8b compares EDX:EAX: make the low qword equal to edx:eax.
    dv.setUint32(off, Number(s.gpr[0] & 0xffffffffn), true);
    dv.setUint32(off + 4, Number(s.gpr[2] & 0xffffffffn), true);
  }
};
const aligned16 = (s: State, v: number) => {
  if (v % 2) s.gpr[6] = BigInt(MEM_ADDR + 0x300);
  eqWide(s, v);
};

export const CASES: IntCase[] = [
  ...ALU_OPS.flatMap((op) => aluForms(op).map((asm) => ({ asm }))),
  ...['test al, 0x85', 'test ax, 0x1234', 'test eax, 0x89abcdef', 'test rax, -0x789abcd', 'test bl, 0x85', 'test dx, 0x1234', 'test ebx, 0x80000000', 'test r10, -0x12345678',
    'test dl, ch', 'test r8w, ax', 'test ebp, edx', 'test r11, rax', 'test byte ptr [rsi+3], dl', 'test qword ptr [rdi+5], rbp', 'test dword ptr [rsi+4], 0x7f',
    'hex:f6c985', 'hex:66f7c93412', 'hex:f7c9efcdab89', 'hex:48f7c9efcdab09'].map((asm) => ({ asm })),
  ...['inc', 'dec', 'neg', 'not'].flatMap((op) => unary(op).map((asm) => ({ asm }))),

  // moves
  ...['mov bl, ch', 'mov r8w, ax', 'mov ebp, edx', 'mov r11, rax', '{load} mov dl, ch', '{load} mov r8w, ax', '{load} mov ebp, edx', '{load} mov r11, rax',
    'mov byte ptr [rsi+3], dl', 'mov word ptr [rsi+1], r10w', 'mov dword ptr [rsi], r8d', 'mov qword ptr [rdi+5], rbp',
    'mov dl, byte ptr [rsi]', 'mov r11w, word ptr [rsi+7]', 'mov r12d, dword ptr [rdi]', 'mov r13, qword ptr [rsi+9]',
    'movabs al, [0x20000010]', 'movabs ax, [0x20000011]', 'movabs eax, [0x20000013]', 'movabs rax, [0x20000017]',
    'movabs [0x20000010], al', 'movabs [0x20000011], ax', 'movabs [0x20000013], eax', 'movabs [0x20000017], rax',
    'mov bl, 0x12', 'mov cx, 0x1234', 'mov edx, 0x89abcdef', 'movabs r9, 0x123456789abcdef0', 'mov byte ptr [rsi], 5', 'mov word ptr [rsi], 0x1234',
    'mov dword ptr [rsi], 0x89abcdef', 'mov qword ptr [rsi], -5', 'mov rax, -5',
    'movzx cx, bl', 'movzx ecx, bl', 'movzx r9, byte ptr [rsi]', 'movzx ecx, word ptr [rsi]', 'movzx r9, dx', 'movzx ax, ah', 'hex:660fb7c8', 'hex:660fbfc8',
    'movsx cx, bl', 'movsx ecx, bl', 'movsx r9, byte ptr [rsi]', 'movsx ecx, word ptr [rsi]', 'movsx r9, dx', 'movsxd rcx, edx', 'movsxd r9, dword ptr [rsi]',
    'hex:6663c8', 'hex:63c8',
    'lea eax, [rbx+rcx*4+0x10]', 'lea r9, [rip+0x100]', 'lea cx, [rbx+rdx]', 'lea rax, [rbx+rcx*8-0x80]', 'lea eax, [ebx+ecx]', 'lea rdx, [rdx+rdx*2]', 'lea rsi, [rsi-0x7fffffff]', 'lea r10, [r11+r12*2+0x7fffffff]', 'lea rax, [rbp]',
    'xchg bl, cl', 'xchg byte ptr [rsi], dl', 'xchg cx, dx', 'xchg ax, r10w', 'xchg eax, r9d', 'xchg r9, rax', 'xchg ecx, edx', 'xchg rcx, rdx', 'xchg qword ptr [rdi], rbp', 'xchg dword ptr [rdi], ebp', 'xchg word ptr [rdi], bp',
    'hex:87c0',
    'bswap ecx', 'bswap r9', 'hex:660fc9',
    'movbe eax, dword ptr [rsi]', 'movbe cx, word ptr [rsi+1]', 'movbe r9, qword ptr [rsi]', 'movbe word ptr [rsi], cx', 'movbe dword ptr [rsi], edx', 'movbe qword ptr [rdi], r10',
    'cbw', 'cwde', 'cdqe', 'cwd', 'cdq', 'cqo',
    'nop', 'nop dword ptr [rax+rax]', 'nop word ptr [rax+rax]', 'hex:480f1fc0', 'endbr64', 'endbr32', 'pause', 'xchg ax, ax', 'hex:4890', 'hex:f34190', 'hex:f34990', 'hex:f34590',
    'lahf', 'sahf', 'clc', 'stc', 'cmc', 'cld', 'std',
  ].map((asm) => ({ asm })),
  ...CCS.flatMap((cc) => [`cmov${cc} eax, ecx`, `cmov${cc} r9, qword ptr [rsi]`, `cmov${cc} dx, word ptr [rsi]`, `set${cc} bl`, `set${cc} byte ptr [rsi]`].map((asm) => ({ asm }))),

  // control flow (targets stay in the code page, which is full of hlt)
  ...['jmp .+0x20', 'jmp .+0x300', ...CCS.flatMap((cc) => [`j${cc} .+0x40`, `j${cc} .+0x400`])].map((asm) => ({ asm })),
  { asm: 'jmp rax', setup: (s) => void (s.gpr[0] = BigInt(CODE_ADDR + 0x50)) },
  { asm: 'jmp qword ptr [rsi]', setup: (s) => u64(s, Number(s.gpr[6]) - MEM_ADDR, BigInt(CODE_ADDR + 0x60)) },
  { asm: 'call .+0x40' },
  { asm: 'call rax', setup: (s) => void (s.gpr[0] = BigInt(CODE_ADDR + 0x80)) },
  { asm: 'call qword ptr [rsi]', setup: (s) => u64(s, Number(s.gpr[6]) - MEM_ADDR, BigInt(CODE_ADDR + 0x90)) },
  { asm: 'ret', setup: ret },
  { asm: 'ret 0x10', setup: ret },
  ...['loop .+0x10', 'loope .+0x10', 'loopne .+0x10', 'jrcxz .+0x10', 'jecxz .+0x10', 'hex:67e20e', 'hex:67e10e', 'hex:67e00e'].map((asm) => ({ asm })),
  ...['push rbx', 'push r12', 'push qword ptr [rsi]', 'push 0x12', 'push -0x12345678', 'push cx', 'push word ptr [rsi]', 'pushw 0x1234', 'hex:666a85', 'push rsp',
    'pop rbx', 'pop r12', 'pop qword ptr [rdi]', 'pop qword ptr [rsp+8]', 'pop cx', 'pop word ptr [rsi]', 'pop rsp', 'pushfq', 'pushfw'].map((asm) => ({ asm })),
  { asm: 'leave', setup: (s) => void (s.gpr[5] = BigInt(MEM_ADDR + 0xc00)) },
  { asm: 'hex:66c9', setup: (s) => void (s.gpr[5] = BigInt(MEM_ADDR + 0xc00)) },
  { asm: 'popfq', setup: safeFlags },
  { asm: 'popfw', setup: safeFlags },

  // shifts and rotates
  ...['shl', 'shr', 'sar', 'rol', 'ror', 'rcl', 'rcr'].flatMap((op) => shiftForms(op).map((asm) => ({ asm }))),
  ...salForms.map((asm) => ({ asm })),
  ...['shld eax, ebx, 5', 'shld word ptr [rsi], cx, cl', 'shld dx, ax, 3', 'shld r9, r10, cl', 'shld qword ptr [rdi], rbx, 40', 'shld ecx, edx, cl', 'shld ax, bx, 17',
    'shrd eax, ebx, 5', 'shrd word ptr [rsi], cx, cl', 'shrd dx, ax, 3', 'shrd r9, r10, cl', 'shrd qword ptr [rdi], rbx, 40', 'shrd ecx, edx, cl', 'shrd ax, bx, 17'].map((asm) => ({ asm })),

  // multiply and divide
  ...['mul bl', 'mul cx', 'mul dword ptr [rsi]', 'mul r9', 'imul bl', 'imul cx', 'imul dword ptr [rsi]', 'imul r9', 'imul ah',
    'imul eax, ecx', 'imul r9, qword ptr [rsi]', 'imul cx, dx', 'imul eax, ecx, 0x12345', 'imul r9, r10, -3', 'imul dx, word ptr [rsi], 7', 'imul cx, dx, 0x1234',
    'imul r9, r10, 0x7fffffff', 'imul r11d, ebx, -2'].map((asm) => ({ asm })),
  ...['div bl', 'div cx', 'div dword ptr [rsi]', 'div r9', 'idiv bl', 'idiv cx', 'idiv dword ptr [rsi]', 'idiv r9', 'div ecx', 'idiv rcx'].map((asm) => ({ asm, setup: divSetup })),

  // bits
  ...['bt', 'bts', 'btr', 'btc'].flatMap((op) =>
    [`${op} eax, ecx`, `${op} word ptr [rsi], bx`, `${op} dword ptr [rsi+0x40], ebx`, `${op} qword ptr [rsi], rbx`, `${op} rax, 5`, `${op} qword ptr [rsi], 63`, `${op} cx, 19`, `${op} dx, r8w`, `${op} r9, r10`, `${op} dword ptr [rdi], 33`, `${op} word ptr [rdi], 3`].map((asm) => ({ asm })),
  ),
  ...['bsf eax, ecx', 'bsr r9, qword ptr [rsi]', 'bsf cx, dx', 'bsr ecx, edx', 'bsf r9, r10', 'bsr ax, word ptr [rsi]',
    'popcnt eax, ecx', 'popcnt r9, qword ptr [rsi]', 'popcnt cx, dx', 'lzcnt eax, ecx', 'lzcnt r9, r10', 'lzcnt cx, word ptr [rsi]', 'tzcnt eax, ecx', 'tzcnt r9, qword ptr [rsi]', 'tzcnt cx, dx'].map((asm) => ({ asm })),

  // exchanges
  ...['xadd byte ptr [rsi], cl', 'xadd eax, ecx', 'lock xadd qword ptr [rdi], rbx', 'xadd word ptr [rsi], dx', 'xadd r9, r10', 'xadd cx, dx', 'xadd bl, dl', 'xadd dword ptr [rsi], ecx'].map((asm) => ({ asm })),
  ...['cmpxchg ecx, edx', 'cmpxchg cl, dl', 'cmpxchg cx, dx', 'cmpxchg rcx, rdx', 'cmpxchg qword ptr [rsi], rcx', 'lock cmpxchg dword ptr [rsi], ecx', 'cmpxchg word ptr [rsi], cx', 'cmpxchg byte ptr [rsi], cl'].map((asm) => ({ asm, setup: eq })),
  { asm: 'cmpxchg8b qword ptr [rsi]', setup: eqWide },
  { asm: 'lock cmpxchg16b xmmword ptr [rsi]', setup: aligned16 },

  // strings (DF set in odd variants)
  ...['movsb', 'movsw', 'movsd', 'movsq', 'rep movsb', 'rep movsq', 'rep movsd', 'rep movsw', 'stosb', 'stosw', 'stosd', 'stosq', 'rep stosb', 'rep stosd', 'rep stosq', 'rep stosw',
    'lodsb', 'lodsw', 'lodsd', 'lodsq', 'rep lodsb', 'cmpsb', 'cmpsw', 'cmpsd', 'cmpsq', 'repe cmpsb', 'repne cmpsb', 'repe cmpsq', 'repe cmpsw', 'repne cmpsd',
    'scasb', 'scasw', 'scasd', 'scasq', 'repne scasb', 'repe scasb', 'repne scasw', 'repe scasd', 'repne scasq', 'hex:67a4', 'hex:f367aa', 'hex:f248a5'].map((asm) => ({ asm, setup: df })),

  // 32-bit address size in 64-bit mode (0x67): the address is truncated to 32 bits
  ...['mov eax, dword ptr [esi]', 'mov eax, dword ptr [esi+4]', 'add dword ptr [edi], ecx', 'mov rax, qword ptr [esi+ebx*1]', 'lea rax, [esi+edi*2-8]', 'mov byte ptr [edi-1], 7'].map((asm) => ({ asm })),

  // self-modifying code: the write lands on the next instruction (a hlt becomes a nop); the code page is RWX
  { asm: 'mov byte ptr [rip], 0x90' },
  { asm: 'mov dword ptr [rip], 0x90909090' },
  // mov byte ptr [rip+2], 0x90 ; nop ; nop ; hlt: turns the hlt that ends the block already decoded into a nop
  { asm: 'hex:c605020000009090', sequence: true },
  // mov word ptr [rip+1], 0x9090 ; nop ; hlt ; hlt: patches the block's hlt and the byte after it
  { asm: 'hex:66c70501000000909090', sequence: true },

  // faults: straddling the end of the data pages, fetches from unmapped or non-executable pages; the state must be the one before
  ...['mov qword ptr [rsi], rax', 'add qword ptr [rsi], rax', 'mov rax, qword ptr [rsi]', 'mov dword ptr [rsi+2], eax', 'movsq', 'xchg qword ptr [rsi], rcx', 'inc dword ptr [rsi+1]', 'cmpxchg qword ptr [rsi], rcx'].map((asm) => ({
    asm,
    setup: (s: State) => void (s.gpr[6] = BigInt(MEM_ADDR + 0xffc)),
  })),
  { asm: 'push rax', setup: (s) => void (s.gpr[4] = BigInt(MEM_ADDR + 4)) },
  { asm: 'call .+0x20', setup: (s) => void (s.gpr[4] = BigInt(MEM_ADDR + 4)) },
  { asm: 'jmp rax', setup: (s) => void (s.gpr[0] = 0x30000000n) },
  { asm: 'jmp rsi' },
  { asm: 'call rax', setup: (s) => void (s.gpr[0] = 0x30000010n) },
  { asm: 'rep stosq', setup: (s) => void ((s.gpr[1] = 600n), (s.gpr[7] = BigInt(MEM_ADDR + 0xe00))) },
  // non-canonical addresses: #GP (SIGSEGV), or #SS (SIGBUS) through RSP/RBP
  ...['mov rax, qword ptr [rbx]', 'mov rax, qword ptr [rbp+8]', 'bts qword ptr [rbp], rdi', 'bt qword ptr [rbx], rdi', 'push qword ptr [rbx+8]'].map((asm) => ({
    asm,
    setup: (s: State) => void ((s.gpr[3] = 0x8000000000000000n), (s.gpr[5] = 0x7fff000000001000n), (s.gpr[7] = 0x4000000000000000n)),
  })),
  { asm: 'push rax', setup: (s) => void (s.gpr[4] = 0x8000000000000010n) },

  // traps
  ...['int3', 'ud2', 'hlt', 'int 0x21', 'hex:0fffc0', 'hex:0fb9c0', 'hex:660fffc0', 'hex:480fffc0', 'hex:660fb9c0', 'hex:480fb9c0', 'hex:f1'].map((asm) => ({ asm })),
  { asm: 'syscall', setup: (s) => void (s.gpr[0] = 39n), ignore: [0] }, // getpid: the host really makes it
];
