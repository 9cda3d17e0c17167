// npm run fuzz -- --seed S --iterations N [--corpus ci|fixtures|small|all] [--parse-only] [--code] [--budget I] [--save]
// Mutates real .so files, parses, loads and calls them in fresh processes (--code: runs mutated machine code
// from their executable segments instead); prints figures and every failure.
import { parseArgs } from 'node:util';
import { cleanWorkDir, runCampaign, runCodeCampaign, type FailingInput } from '../test/robustness/fuzz-core.ts';
import { saveBadElf } from '../test/robustness/bad-elf.ts';
import { seedCorpus, type CorpusName } from '../test/robustness/corpus.ts';

const { values } = parseArgs({
  options: {
    seed: { type: 'string', default: '1' },
    iterations: { type: 'string', default: '10000' },
    corpus: { type: 'string', default: 'ci' },
    'parse-only': { type: 'boolean', default: false },
    budget: { type: 'string', default: '20000' },
    save: { type: 'boolean', default: false },
    code: { type: 'boolean', default: false },
    progress: { type: 'string', default: '5000' },
  },
});

const num = (s: string): number => (s.startsWith('0x') ? parseInt(s, 16) : Number(s));
const corpusName = values.corpus as CorpusName;
if (!['ci', 'fixtures', 'small', 'all'].includes(corpusName)) {
  console.error(`fuzz: --corpus must be ci, fixtures, small or all (got ${corpusName})`);
  process.exit(2);
}
const corpus = seedCorpus(corpusName);
const seed = num(values.seed!);
const iterations = num(values.iterations!);
console.log(`fuzz: seed ${seed}, ${iterations} iterations, corpus ${corpusName} (${corpus.length} files)${values['parse-only'] ? ', parse only' : ''}${values.code ? ', machine code' : ''}`);

const failures: FailingInput[] = [];
const stats = (values.code ? runCodeCampaign : runCampaign)({
  seed,
  iterations,
  corpus,
  options: { parseOnly: values['parse-only'], budget: num(values.budget!) },
  progressEvery: num(values.progress!),
  onProgress: (s) => console.log(`  ${s.inputs} inputs, ${s.failures} failures, ${(s.ms / 1000).toFixed(1)} s`),
  onFailure: (f) => {
    failures.push(f);
    const saved = values.save && !values.code ? saveBadElf(f) : undefined;
    console.log(`FAIL ${f.source} seed ${f.seed} iteration ${f.iteration}${saved ? ` (saved as fixtures/bad-elf/${saved})` : ''}\n  ${f.recipe.join('; ')}\n  ${f.result.failure!.split('\n').join('\n  ')}`);
  },
});
cleanWorkDir();
// Failures grouped by the shape of their first line (numbers elided), most frequent first.
const shapes = new Map<string, number>();
for (const f of failures) {
  const shape = f.result.failure!.split('\n')[0]!.replace(/0x[0-9a-f]+|\d+/g, 'N');
  shapes.set(shape, (shapes.get(shape) ?? 0) + 1);
}
const failureKinds = Object.fromEntries([...shapes].sort((a, b) => b[1] - a[1]));
console.log(JSON.stringify({ seed, iterations, corpus: corpusName, corpusFiles: corpus.length, ...stats, ms: Math.round(stats.ms), slowestMs: Math.round(stats.slowestMs), failureKinds }, null, 2));
process.exit(stats.failures === 0 ? 0 : 1);
