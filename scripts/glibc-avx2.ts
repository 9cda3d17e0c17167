// npm run glibc-avx2 -- [--sizes 0-4096] [--aligns 0-63] [--funcs strlen,memcpy,...] [--seed S]: glibc's avx2
// string and memory functions (x86-64-v3) in picemu against the same calls made natively, for every size and
// alignment given, the buffer at both ends of a page; prints each difference and the counts.
import { Machine } from '../src/process/machine.ts';
import { emulated, FUNCS, native, sweep, type Func } from '../test/cpu/glibc-strings.ts';

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const range = (text: string) => {
  const [a, b] = text.split('-').map(Number);
  return Array.from({ length: (b ?? a) - a + 1 }, (_, k) => a + k);
};
const sizes = range(option('sizes', '0-4096'));
const aligns = option('aligns', '0-63').split(',').flatMap(range);
const funcs = option('funcs', FUNCS.join(',')).split(',') as Func[];
const seed = Number(option('seed', '20261205'));

const started = Date.now();
let total = 0, bad = 0;
for (const func of funcs) {
  const cs = sweep([func], sizes, aligns, seed);
  const machine = await Machine.create({ cpu: 'x86-64-v3' });
  // One process per few thousand calls keeps the heap small.
  for (let i = 0; i < cs.length; i += 4000) {
    const part = cs.slice(i, i + 4000);
    const want = native(part);
    const { results } = emulated(machine, part);
    part.forEach((c, k) => {
      if (results[k] !== want[k]) {
        bad++;
        if (bad <= 50) console.log(`${c.func} size ${c.size} align ${c.aa}/${c.ab} ${c.place} seed ${c.seed}: picemu ${results[k]} native ${want[k]}`);
      }
    });
    total += part.length;
  }
  console.log(`${func}: ${cs.length} cases, ${((Date.now() - started) / 1000).toFixed(0)} s so far`);
}
console.log(`${total} cases (sizes ${sizes[0]}..${sizes[sizes.length - 1]}, ${aligns.length} alignments, both page ends), ${bad} differ from native, ${((Date.now() - started) / 1000).toFixed(1)} s`);
process.exit(bad ? 1 : 0);
