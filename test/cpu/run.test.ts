// The run API: the hooked loop and its hooks against the host CPU, exact budgets, until, timeouts, stops,
// invalid-access fix-ups, syscall/interrupt routing, and the cpuid profile gating instructions.
import { Mnemonic } from 'iced-x86';
import { describe, expect, it } from 'vitest';
import { Cpu } from '../../src/cpu/index.ts';
import { ALL_FEATURES, cpuid, SSE2_PROFILE, type CpuProfile, type Feature } from '../../src/cpu/features.ts';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/types.ts';
import { C_FUNCTIONS } from './c-functions.ts';
import { call, compileImage, DATA_ADDR, machine, RETURN_ADDR, STACK_TOP } from './compiled-c.ts';
import { FlatMemory } from './flat-memory.ts';
import { assemble, CODE_ADDR, decodeAt, diff, hasToolchain, makeState, MEM_ADDR, MEM_SIZE, runHost, type State } from './host-exec.ts';
import { CASES } from './integer-cases.ts';

interface Access {
  kind: 'read' | 'write';
  va: number;
  size: number;
  lo: number;
  hi: number;
  ripRelative: boolean;
}

/** Runs `code` from `state` in the hooked loop, recording every hook call. */
function runHooked(code: Uint8Array, state: State) {
  const m = new FlatMemory();
  m.map(CODE_ADDR, 4096, PROT_READ | PROT_WRITE | PROT_EXEC);
  m.map(MEM_ADDR, MEM_SIZE, PROT_READ | PROT_WRITE);
  const page = new Uint8Array(4096).fill(0xf4);
  page.set(code);
  m.load(CODE_ADDR, page);
  m.load(MEM_ADDR, state.mem);
  const cpu = new Cpu(m, { profile: { vendor: 'GenuineIntel', features: new Set(ALL_FEATURES) } });
  state.gpr.forEach((v, i) => (cpu.r64[i] = v));
  cpu.rflags = (state.rflags & 0xcd5) | 0x202;
  state.xmm.forEach((x, i) => cpu.xmm8.set(x, 16 * i));
  cpu.rip = CODE_ADDR;
  const codeHooks: [number, number][] = [];
  const accesses: Access[] = [];
  const before: [string, number, number][] = [];
  cpu.setHooks({
    code: (a, s) => void codeHooks.push([a, s]),
    memRead: (va, size) => void before.push(['read', va, size]),
    memWrite: (va, size) => void before.push(['write', va, size]),
    access: (kind, va, size, lo, hi, ripRelative) => void accesses.push({ kind, va, size, lo, hi, ripRelative }),
  });
  const out = cpu.run({ maxInstructions: 1_000_000 }); // rep iterations count one by one
  return { cpu, m, out, codeHooks, accesses, before };
}

const leBytes = (lo: number, hi: number, size: number) => {
  const b = new Uint8Array(8);
  new DataView(b.buffer).setUint32(0, lo >>> 0, true);
  new DataView(b.buffer).setUint32(4, hi >>> 0, true);
  return b.subarray(0, size);
};

describe.skipIf(!hasToolchain())('the hooked loop vs the host CPU', () => {
  const extra = ['hex:8b051a000010', 'hex:89051a000010', 'hex:4803051a000010']; // mov eax,[rip→data]; mov [rip→data],eax; add rax,[rip→data]
  const all = [...CASES.map((c) => c.asm), ...extra];
  const codes = assemble(all);

  it('ends in the host state, and its memory hooks account for every byte that changed', { timeout: 60_000 }, () => {
    const runs = all.map((_, i) => {
      const state = makeState(i % 2, i + 1);
      CASES[i]?.setup?.(state, i % 2);
      return state;
    });
    const host = runHost(runs.map((state, i) => ({ code: codes[i], state })));
    const failures: string[] = [];
    runs.forEach((state, i) => {
      const r = runHooked(codes[i], state);
      const h = host[i];
      // Compare like runPicemu does: a completed run stops at the page's hlt.
      const emu =
        r.out.kind === 'halt' && r.out.address !== CODE_ADDR
          ? { kind: 'ok' as const, rip: r.out.address, state: snapshot(r.cpu, r.m) }
          : r.out.kind === 'syscall'
            ? { kind: 'ok' as const, rip: r.cpu.rip, state: snapshot(r.cpu, r.m) }
            : r.out.kind === 'fault'
              ? { kind: 'sig' as const, signo: r.out.fault.signal, code: r.out.fault.code, addr: r.out.fault.signal === 4 || r.out.fault.signal === 8 ? r.out.fault.rip : (r.out.fault.address ?? 0), rip: r.out.fault.rip, state: snapshot(r.cpu, r.m) }
              : { kind: 'sig' as const, signo: 11, code: 0x80, addr: 0, rip: CODE_ADDR, state: snapshot(r.cpu, r.m) };
      const d = diff(h, emu, decodeAt(codes[i]).flagsUndefined, CASES[i]?.ignore);
      // Replaying the recorded writes over the starting memory gives the host's final memory; reads saw the memory of their time.
      const mem = state.mem.slice();
      for (const a of r.accesses) {
        const off = a.va - MEM_ADDR;
        if (off < 0 || off + a.size > MEM_SIZE) continue;
        const bytes = leBytes(a.lo, a.hi, Math.min(a.size, 8));
        if (a.kind === 'write') mem.set(bytes, off);
        else if (a.size <= 8 && Buffer.compare(Buffer.from(mem.subarray(off, off + a.size)), Buffer.from(bytes)) !== 0) d.push(`read at 0x${a.va.toString(16)} reported ${Buffer.from(bytes).toString('hex')}`);
      }
      if (h.kind === 'ok' && Buffer.compare(Buffer.from(mem), Buffer.from(h.state.mem)) !== 0 && !all[i].startsWith('hex:c6') && !all[i].startsWith('hex:66c7') && !all[i].includes('[rip]')) d.push('recorded writes do not reproduce the host memory');
      // One code hook per executed instruction, the first at the start.
      if (r.codeHooks[0]?.[0] !== CODE_ADDR) d.push('no code hook at the first instruction');
      // The access to a RIP-relative operand's address (next RIP + displacement) is flagged, and no other.
      const insn = decodeAt(codes[i]);
      const m = insn.mnemonic === Mnemonic.Lea || insn.mnemonic === Mnemonic.Nop ? null : insn.mem; // lea and nop access no memory
      const expectRip = m?.ripRelative ? m.absolute : -1;
      if (expectRip >= 0 && !r.accesses.some((a) => a.ripRelative && a.va === expectRip)) d.push('RIP-relative access not flagged');
      if (r.accesses.some((a) => a.ripRelative && a.va !== expectRip)) d.push('access wrongly flagged RIP-relative');
      if (extra.includes(all[i]) && expectRip < MEM_ADDR) d.push('extra case does not reach the data pages');
      if (d.length) failures.push(`${all[i]}: ${d.join('; ')}`);
    });
    expect(failures.slice(0, 30), `${failures.length} failing`).toEqual([]);
  });
});

function snapshot(cpu: Cpu, m: FlatMemory): State {
  return {
    rflags: cpu.rflags,
    mxcsr: cpu.mxcsr,
    gpr: [...cpu.r64],
    xmm: Array.from({ length: 16 }, (_, i) => cpu.xmm8.slice(16 * i, 16 * i + 16)),
    mem: m.peek(MEM_ADDR, MEM_SIZE)!,
  };
}

const regsOf = (cpu: Cpu) => [...cpu.r64, BigInt(cpu.rip), BigInt(cpu.rflags)];

describe.skipIf(!hasToolchain())('budgets, until, timeouts and stops', () => {
  const image = compileImage(C_FUNCTIONS, ['-O2']);
  const text = new TextEncoder().encode('budget and until must be exact to the instruction');
  const start = (jit: 'auto' | 'off' | 'always') => {
    const m = machine(image, undefined, jit);
    m.mem.load(DATA_ADDR, text);
    m.cpu.setReg('rdi', DATA_ADDR);
    m.cpu.setReg('rsi', text.length);
    m.cpu.setReg('rsp', STACK_TOP - 0x1000);
    m.cpu.write64(STACK_TOP - 0x1000, RETURN_ADDR, 0);
    m.cpu.rip = image.symbols.get('crc32_bitwise')!;
    return m;
  };

  it('maxInstructions executes exactly that many instructions (compiled blocks included), like as many single steps', () => {
    for (const n of [0, 1, 2, 3, 7, 8, 9, 50, 333, 1000, 2345]) {
      const stepped = start('off');
      for (let k = 0; k < n; k++) expect(stepped.cpu.step().kind).toBe('budget');
      for (const jit of ['auto', 'always'] as const) {
        const warm = start(jit);
        const out = warm.cpu.run({ maxInstructions: n });
        expect(out).toEqual({ kind: 'budget', executed: n });
        expect(regsOf(warm.cpu)).toEqual(regsOf(stepped.cpu));
      }
    }
  });

  it('until stops before the instruction at that address, also in the middle of a block', () => {
    const trace: number[] = [];
    const s = start('off');
    for (let k = 0; k < 200; k++) {
      trace.push(s.cpu.rip);
      s.cpu.step();
    }
    for (const k of [1, 5, 17, 64, 150]) {
      const m = start('auto');
      const until = trace[k];
      const first = trace.indexOf(until);
      const out = m.cpu.run({ until });
      expect(out).toEqual({ kind: 'until', executed: first });
      expect(m.cpu.rip).toBe(until);
    }
  });

  it('a deadline ends an endless loop with "timeout"; stopRequested with "stopped"', () => {
    const mem = new FlatMemory();
    mem.map(0x1000, 4096);
    mem.load(0x1000, [0xeb, 0xfe]); // jmp $
    const cpu = new Cpu(mem);
    cpu.rip = 0x1000;
    expect(cpu.run({ deadlineMs: 30 }).kind).toBe('timeout');
    let polls = 0;
    expect(cpu.run({ stopRequested: () => ++polls > 3 }).kind).toBe('stopped');
  });

  it('each rep iteration counts as an instruction (as unicorn counts them): budgets stop mid-way, runs resume', () => {
    const mem = new FlatMemory();
    mem.map(0x1000, 4096);
    mem.map(0x100000, 0x40000, PROT_READ | PROT_WRITE);
    mem.load(0x1000, [0xf3, 0xaa, 0xf4]); // rep stosb ; hlt
    const cpu = new Cpu(mem);
    cpu.rip = 0x1000;
    cpu.setReg('rdi', 0x100000);
    cpu.setReg('rcx', 200000);
    cpu.setReg('al', 0xab);
    expect(cpu.run({ maxInstructions: 1 }).kind).toBe('budget');
    expect([cpu.rip, cpu.reg('rcx'), cpu.reg('rdi')]).toEqual([0x1000, BigInt(200000 - 1), BigInt(0x100000 + 1)]);
    expect(cpu.run({ maxInstructions: 70000 })).toEqual({ kind: 'budget', executed: 70000 });
    expect([cpu.rip, cpu.reg('rcx')]).toEqual([0x1000, BigInt(200000 - 70001)]);
    expect(cpu.run()).toEqual({ kind: 'halt', executed: 200000 - 70001 + 1, address: 0x1002 });
    expect([cpu.reg('rcx'), cpu.reg('rdi')]).toEqual([0n, BigInt(0x100000 + 200000)]);
    expect(mem.peek(0x100000, 200001)!.subarray(199998)).toEqual(Uint8Array.from([0xab, 0xab, 0]));
    // In the hooked loop the code hook sees every iteration at the rep's address.
    cpu.rip = 0x1000;
    cpu.setReg('rdi', 0x100000);
    cpu.setReg('rcx', 1000);
    const seen = new Map<number, number>();
    cpu.setHooks({ code: (a) => void seen.set(a, (seen.get(a) ?? 0) + 1) });
    expect(cpu.run()).toEqual({ kind: 'halt', executed: 1001, address: 0x1002 });
    expect([...seen]).toEqual([[0x1000, 1000], [0x1002, 1]]);
    expect(cpu.reg('rcx')).toBe(0n);
  });

  it('memory hooks see RIP at the accessing instruction', () => {
    const mem = new FlatMemory();
    mem.map(0x1000, 4096);
    mem.map(0x8000, 4096, PROT_READ | PROT_WRITE);
    // nop ; mov rax, [0x8000] ; mov [0x8008], rax ; push rax ; hlt
    mem.load(0x1000, [0x90, 0x48, 0x8b, 0x04, 0x25, 0x00, 0x80, 0, 0, 0x48, 0x89, 0x04, 0x25, 0x08, 0x80, 0, 0, 0x50, 0xf4]);
    const cpu = new Cpu(mem);
    cpu.rip = 0x1000;
    cpu.setReg('rsp', 0x8100);
    const seen: string[] = [];
    cpu.setHooks({ memRead: (va) => void seen.push(`r ${va.toString(16)} @${cpu.rip.toString(16)}`), memWrite: (va) => void seen.push(`w ${va.toString(16)} @${cpu.rip.toString(16)}`) });
    expect(cpu.run().kind).toBe('halt');
    expect(seen).toEqual(['r 8000 @1001', 'w 8008 @1009', 'w 80f8 @1011']);
  });

  it('until may name an unmapped address (the run stops before fetching it), in both loops', () => {
    for (const hooked of [false, true]) {
      const mem = new FlatMemory();
      mem.map(0x1000, 4096);
      mem.load(0x1000, [0x90, 0xe9, 0xfa, 0x0f, 0x00, 0x00]); // nop ; jmp 0x2000 (unmapped)
      const cpu = new Cpu(mem);
      if (hooked) cpu.setHooks({ code: () => {} });
      cpu.rip = 0x1000;
      expect(cpu.run({ until: 0x2000 }), `hooked ${hooked}`).toEqual({ kind: 'until', executed: 2 });
    }
  });

  it('requestStop from a code hook stops before the next instruction', () => {
    const m = start('off');
    let n = 0;
    m.cpu.setHooks({ code: () => void (++n === 10 && m.cpu.requestStop()) });
    const out = m.cpu.run();
    expect(out).toEqual({ kind: 'stopped', executed: 9 });
  });

  it('returns from the compiled function with the native result', () => {
    const m = machine(image);
    m.mem.load(DATA_ADDR, text);
    const r = call(m.cpu, image.symbols.get('crc32_bitwise')!, [DATA_ADDR, text.length]);
    expect(r.out.kind).toBe('until');
  });
});

describe('faults, fix-ups, syscalls and interrupts', () => {
  const setup = (bytes: number[]) => {
    const mem = new FlatMemory();
    mem.map(0x1000, 4096, PROT_READ | PROT_EXEC);
    mem.map(0x8000, 4096, PROT_READ);
    mem.load(0x1000, bytes);
    const cpu = new Cpu(mem);
    cpu.rip = 0x1000;
    return { mem, cpu };
  };

  it('an invalid-access hook that maps the page gets the access retried', () => {
    // mov rax, [0x40000] ; hlt
    const { mem, cpu } = setup([0x48, 0x8b, 0x04, 0x25, 0x00, 0x00, 0x04, 0x00, 0xf4]);
    const seen: string[] = [];
    cpu.setHooks({
      invalid: (access, reason, va) => {
        seen.push(`${access} ${reason} 0x${va.toString(16)}`);
        mem.map(0x40000, 4096, PROT_READ);
        mem.load(0x40000, [1, 2, 3, 4, 5, 6, 7, 8]);
        return true;
      },
    });
    expect(cpu.run().kind).toBe('halt');
    expect(seen).toEqual(['read unmapped 0x40000']);
    expect(cpu.reg('rax')).toBe(0x0807060504030201n);
  });

  it('faults name their kind, signal, code, address and instruction, with RIP at the instruction', () => {
    // mov dword ptr [0x8000], eax: the page is read-only
    const { cpu } = setup([0x89, 0x04, 0x25, 0x00, 0x80, 0x00, 0x00]);
    const out = cpu.run();
    expect(out.kind).toBe('fault');
    if (out.kind !== 'fault') return;
    expect([out.fault.kind, out.fault.signal, out.fault.code, out.fault.address, out.fault.access, out.fault.rip]).toEqual(['protection', 11, 2, 0x8000, 'write', 0x1000]);
    expect(out.fault.instruction).toBe('mov [8000h],eax');
    expect(cpu.rip).toBe(0x1000);
  });

  it('an unimplemented instruction names itself (mnemonic and bytes) instead of crashing', () => {
    const { cpu } = setup([0x62, 0xf1, 0x75, 0x48, 0xfe, 0xc2]); // vpaddd zmm0, zmm1, zmm2 (AVX-512: not implemented)
    const out = cpu.run();
    expect(out.kind === 'fault' && [out.fault.kind, out.fault.signal]).toEqual(['unimplemented', 4]);
    expect(out.kind === 'fault' && out.fault.message).toMatch(/vpaddd.*62 f1 75 48 fe c2/);
  });

  it('syscall goes to the hook with RCX/R11 set; without one the run ends with "syscall" after it', () => {
    const { cpu } = setup([0x0f, 0x05, 0xf4]);
    let called = 0;
    cpu.setHooks({ syscall: () => void (called++, cpu.setReg('rax', 42)) });
    expect(cpu.run().kind).toBe('halt');
    expect([called, cpu.reg('rax'), cpu.reg('rcx')]).toEqual([1, 42n, 0x1002n]);
    const again = setup([0x0f, 0x05, 0xf4]).cpu;
    expect(again.run()).toEqual({ kind: 'syscall', executed: 1, address: 0x1000 });
    expect(again.rip).toBe(0x1002);
  });

  it('int3 and int N go to the interrupt hook (and continue), else fault', () => {
    const { cpu } = setup([0xcc, 0xcd, 0x80, 0xf4]);
    const got: number[] = [];
    cpu.setHooks({ interrupt: (n) => void got.push(n) });
    expect(cpu.run().kind).toBe('halt');
    expect(got).toEqual([3, 0x80]);
    const bare = setup([0xcc]).cpu;
    const out = bare.run();
    expect(out.kind === 'fault' && [out.fault.kind, out.fault.signal, bare.rip]).toEqual(['breakpoint', 5, 0x1001]);
  });
});

describe('decoding across pages, segment bases, code invalidation', () => {
  it('runs an instruction that straddles two pages, and faults (fetch, at the boundary) when the second is missing', () => {
    const mem = new FlatMemory();
    mem.map(0x1000, 0x2000, PROT_READ | PROT_EXEC);
    // movabs rax, 0x1122334455667788 (10 bytes) from 0x1ffa, then hlt at 0x2004
    mem.load(0x1ffa, [0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11, 0xf4]);
    const cpu = new Cpu(mem);
    cpu.rip = 0x1ffa;
    expect(cpu.run().kind).toBe('halt');
    expect(cpu.reg('rax')).toBe(0x1122334455667788n);
    mem.unmap(0x2000, 0x1000);
    cpu.rip = 0x1ffa;
    const out = cpu.run();
    expect(out.kind === 'fault' && [out.fault.kind, out.fault.access, out.fault.address, out.fault.rip]).toEqual(['unmapped', 'fetch', 0x2000, 0x1ffa]);
  });

  it('fs: and gs: add their base', () => {
    const mem = new FlatMemory();
    mem.map(0x1000, 4096, PROT_READ | PROT_EXEC);
    mem.map(0x9000, 4096, PROT_READ | PROT_WRITE);
    mem.load(0x9028, [1, 2, 3, 4, 5, 6, 7, 8]);
    mem.load(0x9100, [9, 9, 9, 9]);
    // mov rax, fs:[0x28] ; mov ebx, gs:[0x100] ; hlt
    mem.load(0x1000, [0x64, 0x48, 0x8b, 0x04, 0x25, 0x28, 0, 0, 0, 0x65, 0x8b, 0x1c, 0x25, 0x00, 0x01, 0, 0, 0xf4]);
    const cpu = new Cpu(mem);
    cpu.fsBase = 0x9000;
    cpu.setReg('gs_base', 0x9000);
    cpu.rip = 0x1000;
    expect(cpu.run().kind).toBe('halt');
    expect([cpu.reg('rax'), cpu.reg('rbx')]).toEqual([0x0807060504030201n, 0x09090909n]);
  });

  it('invalidateCode makes code changed behind the CPU (poke) take effect', () => {
    const mem = new FlatMemory();
    mem.map(0x1000, 4096);
    mem.load(0x1000, [0xb8, 1, 0, 0, 0, 0xf4]); // mov eax, 1 ; hlt
    const cpu = new Cpu(mem, { jit: 'always' });
    cpu.rip = 0x1000;
    cpu.run();
    expect(cpu.reg('rax')).toBe(1n);
    mem.poke(0x1001, Uint8Array.from([2]));
    cpu.invalidateCode(0x1001, 1);
    cpu.rip = 0x1000;
    cpu.run();
    expect(cpu.reg('rax')).toBe(2n);
  });
});

describe.skipIf(!hasToolchain())('the cpuid profile', () => {
  const gated: [Feature, string][] = [
    ['popcnt', 'popcnt eax, ecx'],
    ['movbe', 'movbe eax, dword ptr [rsi]'],
    ['cx16', 'cmpxchg16b xmmword ptr [rsi]'],
  ];

  it('cpuid advertises exactly the profile', () => {
    // [leaf, subleaf, register (eax ebx ecx edx), bit], from the Intel SDM's CPUID tables.
    const bits: Record<string, [number, number, number, number]> = {
      sse3: [1, 0, 2, 0], ssse3: [1, 0, 2, 9], fma: [1, 0, 2, 12], cx16: [1, 0, 2, 13], 'sse4.1': [1, 0, 2, 19], 'sse4.2': [1, 0, 2, 20],
      movbe: [1, 0, 2, 22], popcnt: [1, 0, 2, 23], xsave: [1, 0, 2, 26], avx: [1, 0, 2, 28], f16c: [1, 0, 2, 29],
      bmi1: [7, 0, 1, 3], avx2: [7, 0, 1, 5], bmi2: [7, 0, 1, 8], erms: [7, 0, 1, 9], lzcnt: [0x80000001, 0, 2, 5],
      xsaveopt: [0xd, 1, 0, 0], xsavec: [0xd, 1, 0, 1], xgetbv1: [0xd, 1, 0, 2],
    };
    for (const f of ALL_FEATURES) {
      for (const on of [true, false]) {
        // Leaf 0xd exists only with XSAVE.
        const p: CpuProfile = { vendor: 'GenuineIntel', features: new Set<Feature>([...(on ? [f] : []), ...(bits[f][0] === 0xd ? ['xsave' as const] : [])]) };
        const [leaf, sub, reg, bit] = bits[f];
        expect(((cpuid(p, leaf, sub)[reg] >>> bit) & 1) === 1, `${f} ${on}`).toBe(on);
      }
    }
  });

  it('an instruction of an extension cpuid does not advertise raises #UD; advertised, it runs', () => {
    const codes = assemble(gated.map(([, a]) => a));
    gated.forEach(([f], i) => {
      const mem = new FlatMemory();
      mem.map(0x1000, 4096);
      mem.map(0x8000, 4096);
      mem.load(0x1000, [...codes[i], 0xf4]);
      for (const on of [false, true]) {
        const cpu = new Cpu(mem, { profile: { vendor: 'GenuineIntel', features: new Set(on ? [f] : []) } });
        cpu.rip = 0x1000;
        cpu.setReg('rsi', 0x8000);
        const out = cpu.run();
        expect(out.kind === 'fault' ? out.fault.kind : out.kind, `${f} advertised=${on}`).toBe(on ? 'halt' : 'invalid-opcode');
      }
    });
  });

  it('without lzcnt/bmi1, lzcnt and tzcnt run as bsr and bsf (what the host does for the unprefixed forms)', () => {
    const [lz, tz, bsr, bsf] = assemble(['lzcnt ecx, edx', 'tzcnt r9, r10', 'bsr ecx, edx', 'bsf r9, r10']);
    const states = [0, 1, 2, 3].map((v) => makeState(v, 99));
    const host = runHost([...states.map((state) => ({ code: bsr, state })), ...states.map((state) => ({ code: bsf, state }))]);
    const flagsUndef = [decodeAt(bsr).flagsUndefined, decodeAt(bsf).flagsUndefined];
    [lz, tz].forEach((code, j) => {
      states.forEach((state, v) => {
        const h = host[j * 4 + v];
        const m = new FlatMemory();
        m.map(CODE_ADDR, 4096);
        m.load(CODE_ADDR, [...code, 0xf4]);
        const cpu = new Cpu(m, { profile: SSE2_PROFILE });
        state.gpr.forEach((x, i) => (cpu.r64[i] = x));
        cpu.rflags = (state.rflags & 0xcd5) | 0x202;
        cpu.rip = CODE_ADDR;
        cpu.run();
        expect(h.kind).toBe('ok');
        if (h.kind !== 'ok') return;
        expect([...cpu.r64]).toEqual(h.state.gpr);
        const mask = 0xcd5 & ~flagsUndef[j];
        expect(cpu.rflags & mask).toBe(h.state.rflags & mask);
      });
    });
  });

  it('rdtsc counts retired instructions: deterministic, in the fast and the hooked loop alike', () => {
    // nop ×3 ; rdtsc ; hlt
    const run = (hooked: boolean) => {
      const mem = new FlatMemory();
      mem.map(0x1000, 4096);
      mem.load(0x1000, [0x90, 0x90, 0x90, 0x0f, 0x31, 0xf4]);
      const cpu = new Cpu(mem);
      if (hooked) cpu.setHooks({ code: () => {} });
      cpu.rip = 0x1000;
      const out = cpu.run();
      return [out.executed, cpu.reg('rax'), cpu.reg('rdx')];
    };
    expect(run(false)).toEqual(run(true));
    // 5 retired (hlt included); rdtsc saw the 3 nops before it.
    expect(run(false)).toEqual([5, 3n, 0n]);
  });
});
