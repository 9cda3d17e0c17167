// Plain `node` ESM: the library API from the installed package, on the fixture it ships, and picemu/unicorn.
import { Machine } from 'picemu';
import MUnicorn from 'picemu/unicorn';

const lib = new URL('./node_modules/picemu/fixtures/libcounter.so', import.meta.url).pathname;
const m = await Machine.create({ seed: 1 });
const [a, b] = [m.spawn(), m.spawn()];
a.load(lib);
b.load(lib);
const results = [a, b, a, a].map((p) => p.call('really_really_nonreentrant').result.value.toString());
// picemu/unicorn's default export is the factory, as require() gives it.
const uc = await MUnicorn();
console.log(JSON.stringify({ results, codeShared: m.frameAt(a, 'libcounter.so', 0x1000) === m.frameAt(b, 'libcounter.so', 0x1000), unicorn: [MUnicorn.name, uc.MODE_64] }));
