// Breakpoints, backtrace, finish and trace on a recursive function, checked against objdump's call sites
// and native results.
import { describe, expect, it } from 'vitest';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, hasReadelf, repoRoot, run } from '../helpers/oracles.ts';
import { hex, nmSymbols, pipedRepl } from './drive.ts';

const LIB = 'fixtures/libdemo.so';

/** Link-time addresses of the instructions after each `call <target>` inside `fn` (objdump). */
function returnSites(fn: string, target: string): number[] {
  const text = run('objdump', ['-d', '--no-show-raw-insn', `${repoRoot}/${LIB}`]);
  const body = text.slice(text.indexOf(`<${fn}>:\n`)).split('\n\n')[0]!.split('\n').slice(1);
  const sites: number[] = [];
  body.forEach((line, k) => {
    if (new RegExp(`\\bcall\\s+[0-9a-f]+ <${target}>`).test(line)) sites.push(parseInt(body[k + 1]!.trim(), 16));
  });
  return sites;
}

describe.runIf(hasCc() && hasReadelf())('picemu repl: breakpoints, bt, finish, trace', () => {
  const fib = nmSymbols(LIB).find((s) => s.name === 'fib')!.value;
  const r = pipedRepl([LIB], ['call fib 5', 'b fib', 'c', 'bt', 'd 1', 'finish', 'c', 'call bump_twice 3', 'trace on', 'c']);
  const out = r.stdout;

  it('stops at the breakpoint on the recursive call, with the call site on the stack', () => {
    const [firstSite] = returnSites('fib', 'fib');
    const at = `libdemo.so+${hex(fib)} <fib>`;
    expect(out).toMatch(new RegExp(`^breakpoint 1 at 0x[0-9a-f]+ ${at.replace(/[.+]/g, '\\$&')}$`, 'm'));
    expect(out).toMatch(new RegExp(`^breakpoint 1 at 0x[0-9a-f]+ ${at.replace(/[.+]/g, '\\$&')}\\n=> `, 'm'));
    const site = `libdemo.so+${hex(firstSite!)} <fib+${hex(firstSite! - fib)}>`;
    expect(out).toMatch(new RegExp(`^#0  0x[0-9a-f]+ ${at.replace(/[.+]/g, '\\$&')}\\n#1  0x[0-9a-f]+ ${site.replace(/[.+]/g, '\\$&')}$`, 'm'));
    expect(out).toContain('deleted breakpoint 1');
    // finish leaves the inner fib and lands at the call site.
    expect(out).toMatch(new RegExp(`^finished, back at 0x[0-9a-f]+ ${site.replace(/[.+]/g, '\\$&')}$`, 'm'));
  });

  it('returns what native calls return', () => {
    const [fib5] = nativeCall(LIB, 'fib', [5]);
    // bump_twice adds twice to a fresh process's counter (fib does not touch it).
    const [twice] = nativeCall(LIB, 'bump_twice', [3]);
    expect(r.lines.filter((l) => l.startsWith('returned '))).toEqual([`returned ${fib5}`, `returned ${twice}`]);
  });

  it('logs every instruction of a traced c as si prints it, the PLT call and its GOT slot named', () => {
    const traced = out.slice(out.indexOf('trace on\n') + 'trace on\n'.length, out.lastIndexOf('returned ')).trimEnd().split('\n');
    const heads = traced.filter((l) => /^#\d+ /.test(l));
    const plt = nmSymbols(LIB).find((s) => s.name === 'bump_twice')!.value;
    expect(heads[0]).toMatch(new RegExp(`^#0 0x[0-9a-f]+ libdemo\\.so\\+${hex(plt)} <bump_twice> {2}53 +push rbx$`));
    const jmp = traced.findIndex((l) => /<bump_counter@plt> .* jmp qword ptr \[rip \+ 0x[0-9a-f]+\]$/.test(l));
    expect(jmp).toBeGreaterThan(0);
    expect(traced[jmp + 1]).toMatch(/^ {4}read {2}8 @ 0x[0-9a-f]+ .*\[\.got\.plt, GOT entry for bump_counter \(R_X86_64_JUMP_SLOT\), frame \d+, private, rip-relative\]$/);
    expect(heads.filter((l) => /<bump_counter> /.test(l))).toHaveLength(2);
    expect(heads.at(-1)).toMatch(/<bump_counter\+0x[0-9a-f]+> .* ret$/);
  });
});
