// The REPL's `fork` from a pipe: the seed's story told with fork — a process counts 0, 1, forks, and parent and
// child each go on from 2 on their own page, as a native process's third call returns.
import { describe, expect, it } from 'vitest';
import { nativeCall } from '../helpers/native.ts';
import { pipedRepl } from './drive.ts';

const LIB = 'fixtures/libcounter.so';
const F = 'really_really_nonreentrant';

describe('picemu repl: fork', () => {
  const r = pipedRepl(['--procs', '1', LIB], [`call ${F}`, 'c', `call ${F}`, 'c', 'fork', `call ${F}`, 'c', 'p 2', `call ${F}`, 'c', `call ${F}`, 'fork']);

  it('parent and child each continue the count from where the parent was at the fork', () => {
    const [v0, v1, v2] = nativeCall(LIB, F, [], { calls: 3 });
    expect(r.lines).toContain('forked p2 from p1');
    const returned = r.lines.filter((l) => l.startsWith('returned '));
    expect(returned).toEqual([`returned ${v0}`, `returned ${v1}`, `returned ${v2}`, `returned ${v2}`]);
  });

  it('refuses to fork a process with a call in progress, with a one-line error', () => {
    expect(r.status).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/fork: a call is in progress in this process/);
  });
});
