// XSAVE/XSAVEOPT/XSAVEC/XRSTOR over x87, SSE and AVX state against the host CPU (host_avx.c), with EDX:EAX asking
// for those components only (glibc's _dl_runtime_resolve asks for SSE and AVX); and the sizes leaf 0xd reports.
import { describe, expect, it } from 'vitest';
import { cpuid, X86_64_V3, xcr0 } from '../../src/cpu/features.ts';
import { assemble, CODE_ADDR, hasToolchain, MEM_ADDR } from './host-exec.ts';
import { diffAvx, FULL, makeYState, runHostAvx, runPicemuAvx } from './avx-harness.ts';

const hostFlags = (await import('node:fs')).readFileSync('/proc/cpuinfo', 'utf8').match(/^flags\s*:(.*)$/m)?.[1].split(' ') ?? [];
const hostHas = ['xsave', 'xsavec', 'xsaveopt', 'avx'].every((f) => hostFlags.includes(f));
const AREA = 0x400;

const FORMS = ['xsave [rsi]', 'xsave64 [rsi]', 'xsaveopt [rsi]', 'xsavec [rsi]', 'xsavec64 [rsi]', 'xrstor [rsi]', 'xrstor64 [rsi]', 'xsave [rsi + 8]', 'xrstor [rsi + 16]'];

describe.skipIf(!hasToolchain() || !hostHas)('XSAVE family vs the host CPU (SSE and AVX components)', () => {
  const codes = assemble(FORMS);
  it.each(FORMS.map((f, i) => [f, i] as const))('%s', (_, i) => {
    const cases = [];
    for (const mask of [2, 4, 6, 7]) {
      for (let k = 0; k < 4; k++) {
        const s = makeYState(1000 + 10 * mask + k);
        s.gpr[6] = BigInt(MEM_ADDR + AREA);
        s.gpr[0] = BigInt(mask);
        s.gpr[2] = 0n;
        const v = new DataView(s.mem.buffer);
        // A valid area to restore from: header XSTATE_BV = requested ∩ k-dependent, XCOMP_BV 0 (or compacted for k = 3), MXCSR sane.
        for (let b = AREA + 512; b < AREA + 576; b++) s.mem[b] = 0;
        v.setUint32(AREA + 24, 0x1f80 | (k << 13), true);
        v.setBigUint64(AREA + 512, BigInt(k === 1 ? 2 : k === 2 ? 4 : 6), true);
        if (k === 3) v.setBigUint64(AREA + 520, 0x8000000000000006n, true);
        // Some states with AVX or SSE in their initial configuration.
        if (k === 2) s.ymm.forEach((y) => y.fill(0, 16));
        cases.push({ code: codes[i], state: s });
      }
    }
    const host = runHostAvx(cases);
    const bad = cases
      .map((c, n) => {
        const emu = runPicemuAvx(c.code, c.state, FULL);
        // MXCSR_MASK (bytes 28-31 of the legacy area) is the processor's own: 0xffff on Intel (picemu's), 0x2ffff on
        // AMD (bit 17, the misaligned-SSE mask). Take it as written, once checked to be one of those.
        const at = AREA + 28;
        const hostMask = new DataView(host[n].state.mem.buffer).getUint32(at, true);
        const emuMask = new DataView(emu.state.mem.buffer).getUint32(at, true);
        if (emuMask !== hostMask && [0xffff, 0x2ffff].includes(hostMask) && emuMask === 0xffff) host[n].state.mem.set(emu.state.mem.subarray(at, at + 4), at);
        return diffAvx(host[n], emu, 0);
      })
      .map((d, n) => (d.length ? `case ${n}: ${d.join('; ')}` : null))
      .filter(Boolean);
    expect(bad).toEqual([]);
  });
});

describe('cpuid leaf 0xd and XCR0 agree with what XSAVE writes', () => {
  it('x86-64-v3: XCR0 = x87|SSE|AVX, 832 bytes, AVX at 576', () => {
    expect(xcr0(X86_64_V3)).toBe(7);
    expect(cpuid(X86_64_V3, 0xd, 0)).toEqual([7, 832, 832, 0]);
    expect(cpuid(X86_64_V3, 0xd, 2)).toEqual([256, 576, 0, 0]);
    // OSXSAVE and AVX in leaf 1 ECX (bits 27, 28): glibc's test for usable AVX, with XCR0's bits 1 and 2.
    expect((cpuid(X86_64_V3, 1, 0)[2] >>> 27) & 3).toBe(3);
  });

  it.skipIf(!hasToolchain())('xgetbv with ECX = 1 is #GP where cpuid 0xd.1 does not advertise XGETBV1 (x86-64-v3, a Haswell)', () => {
    expect(cpuid(X86_64_V3, 0xd, 1)[0] & 4).toBe(0);
    const [code] = assemble(['mov ecx, 1\nxgetbv']);
    const r = runPicemuAvx(code, makeYState(1), X86_64_V3);
    expect(r.kind === 'sig' && [r.signo, r.code, r.rip]).toEqual([11, 0x80, CODE_ADDR + 5]);
  });
});

const hostXgetbv1 = hostFlags.includes('xgetbv1');
describe.skipIf(!hasToolchain() || !hostHas || !hostXgetbv1)('XINUSE (XGETBV with ECX = 1) and XSAVEC\'s XSTATE_BV vs the host CPU', () => {
  // Each sequence starts from the initial state (XRSTOR of an all-zero header) unless marked `loaded`, then reads
  // XINUSE into r8 and XSAVECs x87|SSE|AVX at [rdi]. (Not compared: an instruction other than a zeroing idiom that
  // writes zeros, after which the host reports SSE in use: see xinuse() in avx-state.ts.)
  const SEQUENCES: { ops: string[]; loaded?: boolean }[] = [
    { ops: [] },
    { ops: ['pxor xmm0, xmm0'] },
    { ops: ['vpxor ymm0, ymm0, ymm0'] },
    { ops: ['vpcmpeqd ymm0, ymm0, ymm0'] },
    { ops: ['vpcmpeqd ymm0, ymm0, ymm0', 'vzeroupper'] },
    { ops: ['vpcmpeqd ymm0, ymm0, ymm0', 'vzeroall'] },
    { ops: ['vpcmpeqd ymm0, ymm0, ymm0', 'vzeroupper', 'vmovdqu ymm2, ymm1'] },
    { ops: ['pcmpeqd xmm3, xmm3', 'pxor xmm3, xmm3'] },
    { ops: ['vpcmpeqd ymm3, ymm3, ymm3', 'vpxor xmm3, xmm3, xmm3'] },
    { ops: ['mov eax, 5', 'movd xmm1, eax'] },
    { ops: ['mov dword ptr [rsp - 8], 0x1f80', 'ldmxcsr [rsp - 8]'] },
    { ops: ['mov dword ptr [rsp - 8], 0x1f81', 'ldmxcsr [rsp - 8]'] },
    { ops: ['fld1', 'fstp st(0)'] },
    { ops: ['fldz', 'fninit'] },
    { ops: ['fld1', 'fninit'] },
    { ops: ['fnstcw [rsp - 8]'] },
    { ops: [], loaded: true },
    { ops: ['vzeroupper'], loaded: true },
    { ops: ['vzeroall'], loaded: true },
  ];
  const INIT = ['mov eax, 7', 'xor edx, edx', 'xrstor [rsi]'];
  const TAIL = ['mov ecx, 1', 'xgetbv', 'mov r8d, eax', 'mov eax, 7', 'xor edx, edx', 'xsavec [rdi]'];
  it('after initialization, zeroing idioms, vzeroupper/vzeroall, ldmxcsr, x87 use, and from a loaded state', () => {
    const codes = SEQUENCES.map((s) => assemble([[...(s.loaded ? [] : INIT), ...s.ops, ...TAIL].join('\n')])[0]);
    const cases = codes.map((code, k) => {
      const s = makeYState(3000 + k);
      s.gpr[6] = BigInt(MEM_ADDR + AREA);
      s.gpr[7] = BigInt(MEM_ADDR + 0x1000);
      s.mem.fill(0, AREA, AREA + 832);
      new DataView(s.mem.buffer).setUint32(AREA + 24, 0x1f80, true);
      return { code, state: s };
    });
    const host = runHostAvx(cases);
    // Components 0-2 (the host has AVX-512's too); x87 only after the initializing XRSTOR (the host process's own x87 use otherwise).
    const report = (r: (typeof host)[number], k: number) => {
      const mask = SEQUENCES[k].loaded ? 6 : 7;
      const bv = new DataView(r.state.mem.buffer).getUint32(0x1000 + 512, true);
      return `${r.kind} xinuse ${Number(r.state.gpr[8] & BigInt(mask))} xstate_bv ${bv & mask}`;
    };
    const got = cases.map((c, k) => `${SEQUENCES[k].ops.join('; ') || '(nothing)'}${SEQUENCES[k].loaded ? ' [loaded]' : ''}: ${report(runPicemuAvx(c.code, c.state, FULL), k)}`);
    const want = cases.map((_, k) => `${SEQUENCES[k].ops.join('; ') || '(nothing)'}${SEQUENCES[k].loaded ? ' [loaded]' : ''}: ${report(host[k], k)}`);
    expect(got).toEqual(want);
  });
});
