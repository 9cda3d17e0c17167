// XSAVE/XSAVEOPT/XSAVEC/XRSTOR over x87, SSE and AVX state against the host CPU (host_avx.c), with EDX:EAX asking
// for those components only (glibc's _dl_runtime_resolve asks for SSE and AVX); and the sizes leaf 0xd reports.
import { describe, expect, it } from 'vitest';
import { cpuid, X86_64_V3, xcr0 } from '../../src/cpu/features.ts';
import { assemble, hasToolchain, MEM_ADDR } from './host-exec.ts';
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
});
