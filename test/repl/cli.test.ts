// `picemu repl` on the command line: --procs, usage errors (exit 2), load errors (exit 1, one line).
import { describe, expect, it } from 'vitest';
import { pipedRepl } from './drive.ts';

describe('picemu repl arguments', () => {
  it('starts --procs N processes', () => {
    const r = pipedRepl(['--procs', '3', 'fixtures/libcounter.so'], ['ps']);
    expect(r.lines.filter((l) => /^[* ] p\d/.test(l)).map((l) => l.slice(2, 4))).toEqual(['p1', 'p2', 'p3']);
    expect(r.status).toBe(0);
  });

  it('refuses bad usage with exit status 2', () => {
    const r = pipedRepl(['--procs', 'zero'], []);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^picemu: --procs: bad value 'zero'/);
    expect(pipedRepl(['--frobnicate'], []).status).toBe(2);
  });

  it('reports a library that cannot be loaded in one line, exit status 1', () => {
    const r = pipedRepl(['fixtures/no-such-library.so'], ['ps']);
    expect(r.status).toBe(1);
    expect(r.stderr.trimEnd().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/^picemu: .*no-such-library\.so/);
  });

  it('prints its usage and the commands for --help', () => {
    const r = pipedRepl(['--help'], []);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^usage: picemu repl \[LIB\.\.\.\] \[--procs N\]/);
    expect(r.stdout).toContain('call SYMBOL [ARG...]');
  });
});
