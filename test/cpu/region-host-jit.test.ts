// Multi-instruction sequences on the host CPU and in picemu with the region compiler on from the first execution:
// flag liveness across instructions, carry chains, loops over memory (inline TLB), the stack (push/pop/call/ret,
// recursion, rets that leave), self-modifying code and faults inside loops.
import { describe, expect, it } from 'vitest';
import { assemble, diff, hasToolchain, makeState, MEM_ADDR, runHost, runPicemu, type State } from './host-exec.ts';

const CF = 0x1, PF = 0x4, AF = 0x10, OF = 0x800;

/** asm: one line of gas Intel syntax (`;` separates instructions); undef: flags the last flag writer leaves undefined. */
const SEQUENCES: { asm: string; undef: number }[] = [
  { asm: 'add eax, ebx; adc ecx, edx; sbb rsi, rdi; adc r8b, r9b', undef: 0 },
  { asm: 'sub rax, rbx; setb cl; cmovl rdx, rsi; setle r8b; cmp esi, edi', undef: 0 },
  { asm: 'neg rax; sbb ebx, ebx; inc ecx; dec rdx; not esi; add di, 0x7fff', undef: 0 },
  { asm: 'shl rax, 7; shr ebx, 1; sar rcx, 63; setc dl; sets sil; setp dil; sar r9d, 5', undef: OF | AF },
  { asm: 'xor eax, eax; cmp ebx, ecx; jne 1f; inc eax; 1: add eax, 2; test rdx, rdx; cmovs r10, r11', undef: AF },
  { asm: 'cmp rax, rbx; seta cl; setg ch; setae dl; setge r12b; setno r13b; setnp r14b; lea r15, [rax + rbx * 4 + 12]; movsxd rsi, eax', undef: 0 },
  // Loops over the memory area: the first pass misses the TLB (the interpreter runs it), later ones run inline.
  {
    asm: 'mov esi, 0x20000000; mov ecx, 300; 1: movzx eax, byte ptr [rsi + rcx]; add rdx, rax; xor eax, 0x5a; mov byte ptr [rsi + rcx + 1024], al; rol rdx, 1; sub ecx, 1; jnz 1b',
    undef: 0,
  },
  {
    asm: 'mov esi, 0x20000000; xor ecx, ecx; 1: mov rax, qword ptr [rsi + rcx * 8]; add rbx, rax; adc rdx, 0; mov dword ptr [rsi + rcx * 4 + 2048], ebx; movsx r8, word ptr [rsi + rcx * 2]; add r9, r8; inc ecx; cmp ecx, 200; jb 1b',
    undef: 0,
  },
  {
    asm: 'mov esi, 0x20000000; mov ecx, 64; 1: cmp dword ptr [rsi + rcx * 4], 0x80000000; setl al; movzx eax, al; add r10, rax; test byte ptr [rsi + rcx], 1; cmovne r11, rcx; dec ecx; jns 1b',
    undef: AF,
  },
  // SSE2 integer loops: XMM registers in v128 locals, 16-byte loads and stores through the TLB.
  {
    asm: 'mov esi, 0x20000000; xor ecx, ecx; pxor xmm0, xmm0; 1: movdqu xmm2, xmmword ptr [rsi + rcx + 3]; paddd xmm0, xmm2; psubq xmm1, xmm2; paddb xmm3, xmm2; paddw xmm4, xmm0; pxor xmm5, xmm2; por xmm6, xmm1; pand xmm7, xmm5; movdqu xmmword ptr [rsi + rcx + 2048], xmm0; add ecx, 16; cmp ecx, 1024; jne 1b',
    undef: 0,
  },
  { asm: 'mov esi, 0x20000000; mov ecx, 512; 1: movdqa xmm1, xmmword ptr [rsi + rcx]; paddq xmm1, xmmword ptr [rsi + rcx + 1024]; movaps xmmword ptr [rsi + rcx + 2048], xmm1; movups xmm8, xmm1; psubw xmm8, xmm9; psubb xmm10, xmm8; psubd xmm11, xmm10; sub ecx, 16; jnz 1b', undef: 0 },
  // A misaligned movdqa inside a loop: #GP (SIGSEGV) at that instruction, with the loop's registers.
  { asm: 'mov esi, 0x20000000; mov ecx, 40; 1: movdqa xmm1, xmmword ptr [rsi + rcx * 4]; paddd xmm0, xmm1; dec ecx; jns 1b', undef: 0 },
  // Self-modifying code inside a compiled loop: each pass patches the immediate of the add it runs next time.
  { asm: 'xor eax, eax; mov ecx, 10; lea rsi, [rip + 2f + 2]; 1: 2: add eax, 1; mov byte ptr [rsi], cl; dec ecx; jnz 1b; add eax, 0', undef: 0 },
  // The stack in compiled code: push/pop of registers, immediates and rsp itself, in a loop (the TLB warm after the first pass).
  { asm: 'mov ecx, 8; 1: push rax; push rcx; pop rdx; add rax, rdx; push 0x7fffffff; pop rbx; push -5; pop rsi; push rsp; pop rdi; sub rdi, rsp; dec ecx; jnz 1b', undef: 0 },
  // 16-bit pushes and pops (2 bytes: only the 64-bit forms are compiled) between 64-bit ones, in a loop.
  { asm: 'mov ecx, 5; 1: pushw 0x1234; .byte 0x66, 0x6a, 0x85; push -0x12345678; pop rax; pop dx; pop si; push cx; pop r8w; push r9; pop r10; dec ecx; jnz 1b', undef: 0 },
  // Recursion: calls push the exact return address, rets return to the region's call sites; the outermost ret leaves.
  { asm: 'mov ecx, 12; xor eax, eax; call 1f; jmp 3f; 1: cmp ecx, 1; jbe 2f; push rcx; dec ecx; call 1b; pop rcx; add rax, rcx; adc rdx, 0; 2: ret; 3: setc bl', undef: 0 },
  // Flags live across push, pop, call and ret: cmp's CF reaches sbb in the callee, sbb's flags reach setb/seto after the ret.
  { asm: 'mov ecx, 6; 1: cmp rax, rbx; push rax; pop r8; call 2f; setb dl; seto r9b; add rax, rsi; dec ecx; jnz 1b; jmp 3f; 2: sbb r10, r11; ret; 3: nop', undef: 0 },
  // A ret to an address that is no call site of the region: it leaves before the ret (the interpreter runs it), every pass.
  { asm: 'lea r8, [rip + 2f]; mov ecx, 5; 1: push r8; ret; 2: add rax, rcx; dec ecx; jnz 1b', undef: 0 },
  // ret imm16 releases its extra bytes.
  { asm: 'mov ecx, 4; 1: push rcx; push rcx; call 2f; add rax, rcx; dec ecx; jnz 1b; jmp 3f; 2: ret 16; 3: nop', undef: 0 },
  // A ret to a non-canonical address: #GP at the ret (SIGSEGV, address 0) with nothing committed.
  { asm: 'mov ecx, 3; 1: dec ecx; jnz 1b; mov rax, 0x8000000000001000; push rax; ret', undef: 0 },
  // Pushes run off the bottom of the mapped stack inside a compiled loop: SIGSEGV at the push, at the address below the page.
  { asm: 'mov esp, 0x20000040; mov ecx, 100; 1: push rcx; push rax; dec ecx; jnz 1b', undef: 0 },
  // Runs off the end of the memory area inside the loop: SIGSEGV at the load, with the registers of that iteration.
  { asm: 'mov esi, 0x20000000; xor ecx, ecx; 1: movzx eax, byte ptr [rsi + rcx]; add edx, eax; add rcx, 1; jmp 1b', undef: CF | PF | AF | OF | 0xc0 },
];

describe.skipIf(!hasToolchain())('instruction sequences vs the host CPU (region compiler always)', () => {
  it('agrees with the host on every sequence and register state', { timeout: 300_000 }, () => {
    const codes = assemble(SEQUENCES.map((s) => s.asm));
    const runs: { i: number; v: number; state: State }[] = [];
    SEQUENCES.forEach((_, i) => {
      for (let v = 0; v < 4; v++) runs.push({ i, v, state: makeState(v, 9000 + i) });
    });
    const host = runHost(runs.map((r) => ({ code: codes[r.i], state: r.state })));
    const failures: string[] = [];
    runs.forEach((r, k) => {
      const emu = runPicemu(codes[r.i], r.state, undefined, 'always');
      const d = diff(host[k], emu, SEQUENCES[r.i].undef);
      if (d.length) failures.push(`${SEQUENCES[r.i].asm} [variant ${r.v}]: ${d.join('; ')}`);
    });
    expect(failures).toEqual([]);
    // The last sequence faults on the host: picemu must report the same signal and address.
    const last = host[host.length - 1];
    expect(last.kind).toBe('sig');
    if (last.kind === 'sig') expect(last.addr).toBe(MEM_ADDR + 4096);
  });
});
