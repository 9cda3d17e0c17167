// Plain `node` ESM: the library API from the installed package, on the fixture it ships.
import { Machine } from 'picemu';

const lib = new URL('./node_modules/picemu/fixtures/libcounter.so', import.meta.url).pathname;
const m = await Machine.create({ seed: 1 });
const [a, b] = [m.spawn(), m.spawn()];
a.load(lib);
b.load(lib);
const results = [a, b, a, a].map((p) => p.call('really_really_nonreentrant').result.value.toString());
console.log(JSON.stringify({ results, codeShared: m.frameAt(a, 'libcounter.so', 0x1000) === m.frameAt(b, 'libcounter.so', 0x1000) }));
