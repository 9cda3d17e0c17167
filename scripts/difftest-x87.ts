// npm run difftest:x87 -- --cases N --seed S [--filter REGEX]: the x87/MMX host-CPU differential test at any
// size; prints every disagreement (grouped by form, a few inputs each) and the totals.
import { compareResults, describeInput, drawCase, runHost, runPicemu, Rng, x87Forms, type Result, type X87Case } from '../test/cpu/x87-difftest.ts';
import { undefinedFor } from '../test/cpu/x87-undefined.ts';

/** iced decodes an FWAIT prefix as its own WAIT instruction: these forms are WAIT followed by the FN form. */
const WAIT_FORMS = /^(Finit|Fclex|Fstcw|Fstsw|Fstenv|Fsave|Feni|Fdisi|Fsetpm)(_|$)/;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const cases = Number(option('cases', '20000'));
const seed = Number(option('seed', String(Date.now() % 1e9)));
const pattern = new RegExp(option('filter', '^(F|Wait|Emms|Fxsave|Fxrstor)'));
const show = Number(option('show', '3'));
const forms = x87Forms((n) => pattern.test(n) && !WAIT_FORMS.test(n));
const r = new Rng(seed);
const t0 = performance.now();
const drawn: X87Case[] = [];
for (let i = 0; drawn.length < cases && i < cases * 4; i++) {
  const c = drawCase(forms.entries[i % forms.entries.length], r);
  if (c) drawn.push(c);
}
const host: Result[] = [];
for (let i = 0; i < drawn.length; i += 5000) host.push(...runHost(drawn.slice(i, i + 5000)));
const byForm = new Map<string, { n: number; bad: string[] }>();
let bad = 0;
drawn.forEach((c, i) => {
  const u = undefinedFor(c.name);
  const d = compareResults(host[i], runPicemu(c), u.fswMask, u.rflagsMask, c.ignoreMem);
  const e = byForm.get(c.name) ?? { n: 0, bad: [] };
  e.n++;
  if (d.length) {
    bad++;
    e.bad.push(`  ${c.text}  [${Buffer.from(c.bytes).toString('hex')}]\n    ${d.join('\n    ')}\n    input: ${describeInput(c)}`);
  }
  byForm.set(c.name, e);
});
for (const [name, e] of [...byForm].sort()) {
  if (!e.bad.length) continue;
  console.log(`${name}: ${e.bad.length}/${e.n} differ`);
  for (const b of e.bad.slice(0, show)) console.log(b);
}
const missing = forms.entries.filter((f) => !byForm.has(f.name)).map((f) => f.name);
if (missing.length) console.log(`forms no case was drawn for: ${missing.join(' ')}`);
if (forms.skipped.length) console.log(`skipped: ${forms.skipped.map((s) => `${s.name} (${s.why})`).join('; ')}`);
console.log(`seed ${seed}: ${drawn.length} cases over ${byForm.size} forms (${forms.entries.length} implemented) in ${((performance.now() - t0) / 1000).toFixed(1)} s; ${bad} differ from the host CPU`);
process.exit(bad ? 1 : 0);
