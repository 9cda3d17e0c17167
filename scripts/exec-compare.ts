// The long form of test/kernel/exec-programs.test.ts: every program of test/kernel/programs.ts (nm -D included)
// exec'ed in picemu and natively; prints each one's verdict and time. Run: npx tsx scripts/exec-compare.ts
import { nativeRun, PROGRAMS, picemuRun } from '../test/kernel/programs.ts';

let failed = 0;
for (const { argv, stdin } of PROGRAMS) {
  const t0 = Date.now();
  const want = nativeRun(argv, stdin);
  const got = picemuRun(argv, stdin);
  const same = got.stdout === want.stdout && got.status === want.status;
  if (!same) failed++;
  console.log(`${same ? 'same' : 'DIFFERENT'}  ${((Date.now() - t0) / 1000).toFixed(1).padStart(5)} s  ${argv.join(' ')}${same ? '' : `  (status ${got.status} vs ${want.status})`}`);
}
console.log(`${PROGRAMS.length - failed} of ${PROGRAMS.length} equal the native run`);
process.exitCode = failed ? 1 : 0;
