// The seed story through the library API: one code frame, two private data frames.
import { Machine } from 'picemu';

const machine = await Machine.create({ seed: 1 });
const [p1, p2] = [machine.spawn(), machine.spawn()];
for (const p of [p1, p2]) p.load('fixtures/libcounter.so');

for (let k = 0; k < 3; k++) {
  for (const p of [p1, p2]) console.log(`p${p.pid}:`, p.call('really_really_nonreentrant').result);
}

const traced = p1.call('really_really_nonreentrant', [], { trace: true });
for (const event of traced.events) console.log(event);

console.log('code page frames:', machine.frameAt(p1, 'libcounter.so', 0x1000), machine.frameAt(p2, 'libcounter.so', 0x1000));
console.log('data page frames:', machine.frameAt(p1, 'libcounter.so', 0x4000), machine.frameAt(p2, 'libcounter.so', 0x4000));

const zlib = machine.spawn();
zlib.load('/lib/x86_64-linux-gnu/libz.so.1');
console.log('crc32("hello") =', zlib.call('crc32', [0, 'hello', 5], { ret: 'ulong' }).result);
