// The integer ISA against the host CPU: every case of integer-cases.ts from several register states, in
// picemu and natively (host_exec), comparing GPRs, RIP, defined flags, XMM, MXCSR and memory, or the signal.
import { describe, expect, it } from 'vitest';
import { implementedCodes } from '../../src/cpu/table.ts';
import { assemble, decodeAt, diff, hasToolchain, makeState, runHost, runPicemu, type State } from './host-exec.ts';
import { CASES, LEGACY_ONLY } from './integer-cases.ts';

// JIT=always runs the same table through the block compiler (integer-host-jit.test.ts); default: handlers only.
const JIT = process.env.PICEMU_TEST_JIT === 'always' ? 'always' : 'off';
const VARIANTS = Number(process.env.PICEMU_TEST_VARIANTS) || (JIT === 'always' ? 5 : 8);

/** Instructions whose result the host cannot decide (its own cpuid/TSC): covered by system.test.ts. */
export const NOT_HOST_COMPARABLE = new Set(['Cpuid', 'Rdtsc']);

describe.skipIf(!hasToolchain())(`integer instructions vs the host CPU (jit ${JIT})`, () => {
  const codes = assemble(CASES.map((c) => c.asm));
  const decoded = codes.map((b) => decodeAt(b));

  it('assembles every case to exactly one instruction', () => {
    const bad = decoded.map((d, i) => (d.len !== codes[i].length && !CASES[i].sequence ? `${CASES[i].asm}: ${codes[i].length} bytes, decodes as ${d.len}` : null)).filter(Boolean);
    expect(bad).toEqual([]);
  });

  it('covers every integer handler in the table', () => {
    const covered = new Set(decoded.map((d) => d.code));
    const missing = implementedCodes()
      .filter((e) => !e.file.startsWith('sse-') && !/^(avx-|bmi|fma|x87-|mmx-)/.test(e.file) && !covered.has(e.code) && !LEGACY_ONLY.test(e.name) && !NOT_HOST_COMPARABLE.has(e.name))
      .map((e) => e.name);
    expect(missing).toEqual([]);
  });

  it('agrees with the host on every case and register state', { timeout: 600_000 }, () => {
    const runs: { i: number; v: number; state: State }[] = [];
    CASES.forEach((c, i) => {
      for (let v = 0; v < VARIANTS; v++) {
        const state = makeState(v, i + 1);
        c.setup?.(state, v);
        runs.push({ i, v, state });
      }
    });
    // States are copied before picemu runs: the host sees the same starting memory.
    const host = runHost(runs.map((r) => ({ code: codes[r.i], state: r.state })));
    const failures: string[] = [];
    runs.forEach((r, k) => {
      const emu = runPicemu(codes[r.i], r.state, undefined, JIT);
      const d = diff(host[k], emu, decoded[r.i].flagsUndefined, CASES[r.i].ignore);
      if (d.length) failures.push(`${CASES[r.i].asm} [variant ${r.v}]: ${d.join('; ')}`);
    });
    expect(failures.slice(0, 40), `${failures.length} failing runs`).toEqual([]);
  });
});
