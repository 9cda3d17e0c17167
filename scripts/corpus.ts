// `npm run corpus`: every x86-64 shared object in /lib/x86_64-linux-gnu and /usr/lib/x86_64-linux-gnu (top level,
// symlinks followed, each real file once; --recursive walks subdirectories too): `picemu segments` vs
// `readelf -lW`, and every dynamic symbol vs `readelf -sW --dyn-syms`. Prints the count that match and the
// mismatches. --full also compares relocations (-rW), section headers (-SW) and dynamic entries (-dW).
// Exit 1 when any file mismatches.
import { readFileSync } from 'node:fs';
import { ElfError, parseElf } from '../src/elf/index.ts';
import { compareDynamic, compareRelocations, compareSections, compareSegments, compareSymbols } from '../test/elf/compare.ts';
import { corpusFiles } from '../test/elf/corpus-files.ts';
import { readelfAsync } from '../test/helpers/readelf.ts';

const recursive = process.argv.includes('--recursive');
const full = process.argv.includes('--full');
const files = corpusFiles({ recursive });
console.log(`corpus: ${files.length} x86-64 shared objects (${recursive ? 'recursive' : 'top level'}, symlinks followed, deduplicated)`);

const mismatches: { file: string; why: string[] }[] = [];
let segmentsOk = 0;
let symbolsOk = 0;
let fullOk = 0;
let next = 0;
const started = Date.now();

async function one(file: string): Promise<void> {
  const why: string[] = [];
  const bytes = readFileSync(file);
  const [l, s] = await Promise.all([readelfAsync(['-lW'], file), readelfAsync(['-sW', '--dyn-syms'], file)]);
  try {
    const d = compareSegments(bytes, l);
    if (d) why.push(d);
    else segmentsOk++;
  } catch (err) {
    why.push(`segments: ${err instanceof ElfError ? err.message : String(err)}`);
  }
  try {
    const elf = parseElf(bytes, file);
    const d = compareSymbols(elf, s);
    if (d.length) why.push(...d);
    else symbolsOk++;
    if (full) {
      const [r, sh, dy] = await Promise.all([readelfAsync(['-rW'], file), readelfAsync(['-SW'], file), readelfAsync(['-dW'], file)]);
      const more = [...compareRelocations(elf, r), ...compareSections(elf, sh), ...compareDynamic(elf, dy)];
      if (more.length) why.push(...more);
      else fullOk++;
    }
  } catch (err) {
    why.push(`parse: ${err instanceof ElfError ? err.message : String(err)}`);
  }
  if (why.length) mismatches.push({ file, why });
}

await Promise.all(Array.from({ length: 8 }, async () => {
  while (next < files.length) await one(files[next++]!);
}));

for (const m of mismatches.sort((a, b) => a.file.localeCompare(b.file))) {
  console.log(`MISMATCH ${m.file}`);
  for (const w of m.why) console.log(`  ${w}`);
}
console.log(`segments match readelf -lW: ${segmentsOk}/${files.length}`);
console.log(`dynamic symbols match readelf -sW --dyn-syms: ${symbolsOk}/${files.length}`);
if (full) console.log(`relocations, section headers and dynamic entries match readelf -rW/-SW/-dW: ${fullOk}/${files.length}`);
console.log(`${files.length - mismatches.length}/${files.length} files match in full (${((Date.now() - started) / 1000).toFixed(1)} s)`);
process.exitCode = mismatches.length ? 1 : 0;
