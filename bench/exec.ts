// exec benchmark: `/bin/true` start to exit (execve, the real ld.so loading libc, exit_group) in a fresh machine,
// then a second process of the same machine exec'ing it again, which must read no file page (the page cache
// serves every page the first one read). Run: npx tsx bench/exec.ts [PROGRAM [ARG...]]
import { Machine } from '../src/index.ts';
import { libcProgramsBlockedBy } from '../test/kernel/prerequisites.ts';

const blocked = libcProgramsBlockedBy();
if (blocked) {
  console.log(`exec benchmark skipped: ${blocked}`);
  process.exit(0);
}
const argv = process.argv.length > 2 ? process.argv.slice(2) : ['/bin/true'];
const machine = new Machine();
const runs: { ms: number; instructions: number; pagesRead: number; status: string }[] = [];
for (let k = 0; k < 3; k++) {
  const before = { executed: machine.kernel.executed, pages: machine.pageCache.pagesRead };
  const t0 = performance.now();
  const started = machine.exec(argv[0]!, { argv, env: ['PATH=/usr/bin:/bin'], stdio: {} });
  if (typeof started === 'number') throw new Error(`exec ${argv[0]}: errno ${-started}`);
  machine.kernel.run({ until: () => started.task.group.exit !== undefined });
  const exit = started.task.group.exit!;
  runs.push({
    ms: performance.now() - t0,
    instructions: machine.kernel.executed - before.executed,
    pagesRead: machine.pageCache.pagesRead - before.pages,
    status: exit.kind === 'exited' ? `exit ${exit.code}` : `signal ${exit.signal}`,
  });
}
console.log(`exec ${argv.join(' ')}, start to exit, three processes of one machine:`);
runs.forEach((r, k) => console.log(`  process ${k + 1}: ${r.ms.toFixed(0)} ms, ${r.instructions} instructions, ${r.pagesRead} file pages read, ${r.status}`));
if (runs.slice(1).some((r) => r.pagesRead !== 0)) {
  console.log('  a later exec read file pages again: the page cache did not serve them');
  process.exitCode = 1;
}
