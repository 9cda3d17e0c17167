// npm run difftest:avx -- --cases N --seed S [--filter REGEX]: random VEX instructions (AVX, AVX2, FMA, F16C,
// BMI1, BMI2 forms picemu registers) from random YMM/GPR/memory states, on the host CPU and in picemu (handler
// loop and compiled blocks alternating); prints every disagreement. Native unicorn 2.0.1 has no AVX: the host
// CPU is the only judge. Allowed differences, by the manuals' words: flags an instruction leaves "undefined"
// (iced's table of them) are masked; rcp/rsqrt are "approximate" (relative error at most 1.5 * 2^-12).
// Gathers get states whose indices reach the data pages (test/cpu/avx-harness.ts gatherState), one element in four
// cases past them (the fault and the partial state it leaves), one case in eight with random indices.
// Long runs (2026-12-05, AMD EPYC host): seed 20261205, 100,000 cases over 688 forms: 1 unexplained, vdpps with the
// denormal exception unmasked (an unmasked exception traps at the dot product's step that raises it: fixed, now in
// avx-host.test.ts); seed 20261206, 100,000 cases over the same 688 forms: 0 unexplained.
import { implementedCodes } from '../src/cpu/table.ts';
import { decodeAt, diffAvx, gatherState, withoutAgreeingEstimates, makeYState, runHostAvx, runPicemuAvx, variant, vexTemplates, type YState } from '../test/cpu/avx-harness.ts';
import { rng } from '../test/cpu/host-exec.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const total = Number(option('cases', '100000'));
const seed = Number(option('seed', String(Date.now() % 1e9)));
const filter = new RegExp(option('filter', '.'));

const entries = implementedCodes().filter((e) => /^(avx-|bmi|fma)/.test(e.file) && e.name.startsWith('VEX_') && filter.test(e.name));
const templates = vexTemplates(new Set(entries.map((e) => e.code)));
const pool = entries.flatMap((e) => (templates.get(e.code) ?? []).map((t) => ({ name: e.name, t })));
const r = rng(seed);
const started = Date.now();
const BATCH = 4000;
let done = 0;
const failures: string[] = [];
const perForm = new Map<string, number>();


while (done < total) {
  const n = Math.min(BATCH, total - done);
  const cases: { code: Uint8Array; state: YState; name: string }[] = [];
  for (let k = 0; k < n; k++) {
    const p = pool[r() % pool.length];
    const state = makeYState(r(), r() % 4);
    // Sometimes another rounding mode, DAZ/FTZ, or unmasked exceptions.
    const m = r() % 8;
    if (m === 1) state.mxcsr = 0x1f80 | ((r() % 4) << 13);
    else if (m === 2) state.mxcsr = 0x9fc0;
    else if (m === 3) state.mxcsr = 0x1f80 & ~(0x80 << (r() % 6));
    const code = variant(p.t, r);
    cases.push({ code, state: p.t.vsib ? gatherState(code, state, r) : state, name: p.name });
  }
  const host = runHostAvx(cases);
  cases.forEach((c, i) => {
    const insn = decodeAt(c.code);
    const emu = runPicemuAvx(c.code, c.state, undefined, (done + i) % 2 ? 'always' : 'off');
    const d = withoutAgreeingEstimates(c.name, diffAvx(host[i], emu, insn.flagsUndefined), host[i], emu);
    perForm.set(c.name, (perForm.get(c.name) ?? 0) + 1);
    if (d.length) failures.push(`${c.name} ${insn.text} (${Buffer.from(c.code).toString('hex')}) mxcsr ${c.state.mxcsr.toString(16)}: ${d.slice(0, 3).join('; ')}`);
  });
  done += n;
}
for (const f of failures.slice(0, 200)) console.log(f);
const missing = entries.filter((e) => !perForm.has(e.name)).map((e) => e.name);
console.log(`seed ${seed}: ${done} cases over ${perForm.size} of ${entries.length} VEX forms in ${((Date.now() - started) / 1000).toFixed(1)} s`);
console.log(`forms not generated: ${missing.join(' ') || 'none'}`);
console.log(`unexplained disagreements: ${failures.length}`);
process.exit(failures.length ? 1 : 0);
