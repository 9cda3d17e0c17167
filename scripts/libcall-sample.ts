// `npm run libcall-sample [N]`: N system libraries (default 45, sampled evenly from /lib/x86_64-linux-gnu), each
// dlopen'ed natively and loaded by picemu (the guest's dlopen in an exec'ed process); prints each verdict and the
// counts. What loads natively must load in picemu (exit 1 otherwise). test/libcall/sample.test.ts runs a slice.
import { Machine } from '../src/process/machine.ts';
import { nativeDlopen, picemuDlopen, sampleLibraries } from '../test/libcall/dlopen-sample.ts';

const count = Number(process.argv[2] ?? 45);
const libs = sampleLibraries(count);
let machine = await Machine.create();
let nativeOk = 0, bothOk = 0, onlyNative = 0;
for (const [k, lib] of libs.entries()) {
  if (k % 8 === 0) machine = await Machine.create(); // a fresh machine now and then keeps memory bounded
  const native = nativeDlopen(lib);
  const ours = picemuDlopen(machine, lib);
  if (native === 'ok') nativeOk++;
  if (native === 'ok' && ours.verdict === 'ok') bothOk++;
  if (native === 'ok' && ours.verdict !== 'ok') onlyNative++;
  console.log(`${native === 'ok' ? 'ok   ' : 'error'} ${ours.verdict === 'ok' ? 'ok   ' : 'error'} ${String(ours.ms).padStart(6)} ms  ${lib}${ours.verdict !== 'ok' ? `\n      picemu: ${ours.verdict}` : ''}${native !== 'ok' ? `\n      native: ${native}` : ''}`);
}
console.log(`${libs.length} libraries: ${nativeOk} load natively, ${bothOk} of them in picemu; ${onlyNative} load natively but not in picemu`);
process.exitCode = onlyNative === 0 ? 0 : 1;
