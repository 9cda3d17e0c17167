// The REPL driven through a pipe: the seed's story (each process has its own i.0, one code frame), stable
// output with no prompt, and what the steps show.
import { describe, expect, it } from 'vitest';
import { hasReadelf } from '../helpers/oracles.ts';
import { nativeCall } from '../helpers/native.ts';
import { PAGE, hex, loadSegments, nmSymbols, pageRows, pipedRepl } from './drive.ts';

const LIB = 'fixtures/libcounter.so';
const F = 'really_really_nonreentrant';

describe.runIf(hasReadelf())('picemu repl on a pipe', () => {
  const r = pipedRepl([LIB], [`call ${F}`, 'si', 'si', 'c', 'p 2', `call ${F}`, 'c', 'p 1', `call ${F}`, 'c', 'pages']);

  it('exits cleanly at end of input and prints no prompt', () => {
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).not.toContain('(p1)');
  });

  it("returns each process's own sequence, as native calls do", () => {
    // Natively, two calls in one process give the first two values; a fresh process starts over.
    const [first, second] = nativeCall(LIB, F, [], { calls: 2 });
    const returned = r.lines.filter((l) => l.startsWith('returned '));
    expect(returned).toEqual([`returned ${first}`, `returned ${first}`, `returned ${second}`]);
  });

  it('shows the RIP-relative load of i.0 in the first step', () => {
    const iOffset = nmSymbols(LIB).find((s) => s.name === 'i.0')!.value;
    const firstStep = r.stdout.slice(r.stdout.indexOf('#0 '), r.stdout.indexOf('#1 '));
    expect(firstStep).toMatch(/\[rip \+ 0x[0-9a-f]+\]/);
    expect(firstStep).toContain(`libcounter.so+${hex(iOffset)} <i.0>`);
    expect(firstStep).toMatch(/read\s+4 @ 0x[0-9a-f]+ .*<i\.0> = 0x0 {2}\[\.bss, frame \d+, (shared|private), rip-relative\]/);
    // The second step (lea edx, [rax + 1]) changes rdx, and the step ends showing the next instruction.
    const secondStep = r.stdout.slice(r.stdout.indexOf('#1 '), r.stdout.indexOf('returned'));
    const [first] = nativeCall(LIB, F);
    expect(secondStep).toMatch(new RegExp(`regs: rdx 0x[0-9a-f]+ -> ${hex(Number(first) + 1)}\\b`));
    expect(secondStep).toMatch(/^=> 0x[0-9a-f]+ libcounter\.so\+0x[0-9a-f]+ <really_really_nonreentrant\+0x[0-9a-f]+> +[0-9a-f ]+mov dword ptr \[rip \+ 0x[0-9a-f]+\], edx/m);
  });

  it('marks the code page shared and the page of i.0 private', () => {
    const rows = pageRows(r.lines, 'libcounter.so');
    const code = loadSegments(LIB).find((s) => s.flags === 'R E')!;
    const codeRow = rows.find((row) => row.offset === Math.floor(code.offset / PAGE) * PAGE)!;
    expect(codeRow.perms).toBe('r-xp');
    expect(codeRow.shared).toBe(true);
    expect(new Set(codeRow.frames).size).toBe(1);

    const iPage = Math.floor(nmSymbols(LIB).find((s) => s.name === 'i.0')!.value / PAGE) * PAGE;
    const dataRow = rows.find((row) => row.offset === iPage)!;
    expect(dataRow.perms).toBe('rw-p');
    expect(dataRow.shared).toBe(false);
    expect(dataRow.frames[0]).not.toBe(dataRow.frames[1]);
  });
});
