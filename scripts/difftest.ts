// npm run difftest -- --cases N --seed S [--filter REGEX]: the randomized single-instruction differential
// test at any size; prints every disagreement not explained by test/cpu/unicorn-known-bugs.ts.
// Long run (2026-12-05, seed 20261205, AMD EPYC host): 100,000 cases over 921 forms, 11,900 disagreements between
// picemu and native unicorn, every one a known unicorn difference with the host CPU on picemu's side (the ids and
// their counts are printed; each is described in unicorn-known-bugs.ts); 0 unexplained.
import { describeCase, runDifftest } from '../test/cpu/difftest-core.ts';
import { judge } from '../test/cpu/difftest-host.ts';
import { knownDifference } from '../test/cpu/unicorn-known-bugs.ts';
import { nativeUnicornUnavailable } from '../test/helpers/native-unicorn.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}

const missing = nativeUnicornUnavailable();
if (missing) {
  console.error(`difftest: native unicorn-engine is needed: ${missing}`);
  process.exit(2);
}
const cases = Number(option('cases', '20000'));
const seed = Number(option('seed', String(Date.now() % 1e9)));
const filter = option('filter', '');
const pattern = filter ? new RegExp(filter) : undefined;
const run = runDifftest({ cases, seed, filter: pattern ? (n) => pattern.test(n) : undefined });
const judged = judge(run.divergences);
const known = new Map<string, number>();
const unexplained = [];
for (const j of judged) {
  const k = knownDifference(j);
  if (k) known.set(k.id, (known.get(k.id) ?? 0) + 1);
  else unexplained.push(j);
}
for (const j of unexplained) {
  console.log(describeCase(j.c, j.verdict));
  console.log(`  host: ${j.host}\n  picemu vs host: ${j.picemuVsHost.join('; ') || 'same'}\n  unicorn vs host: ${j.unicornVsHost.join('; ') || 'same'}\n`);
}
console.log(`seed ${seed}: ${run.executed} cases over ${run.perForm.size} forms in ${run.seconds.toFixed(1)} s`);
console.log(`forms not generated: ${run.notGenerated.join(' ') || 'none'}; skipped: ${run.skipped.length} (${[...new Set(run.skipped.map((s) => s.why))].join('; ')})`);
console.log(`disagreements: ${run.divergences.length}; known unicorn differences: ${[...known].map(([k, n]) => `${k} ${n}`).join(', ') || 'none'}`);
const verdicts = new Map<string, number>();
for (const j of unexplained) verdicts.set(j.verdict, (verdicts.get(j.verdict) ?? 0) + 1);
console.log(`unexplained: ${unexplained.length}${unexplained.length ? ` (${[...verdicts].map(([v, n]) => `${v} ${n}`).join(', ')})` : ''}`);
process.exit(unexplained.length ? 1 : 0);
