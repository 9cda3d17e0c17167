// Inspection commands: regs marks what the last step changed, disas lists objdump's instructions, maps is the
// kernel's view after dlopen, and load/spawn/ps grow the machine.
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nativeCall } from '../helpers/native.ts';
import { buildCHelper, hasCc, repoRoot, run } from '../helpers/oracles.ts';
import { hex, pipedRepl } from './drive.ts';

const LIB = 'fixtures/libcounter.so';
const F = 'really_really_nonreentrant';

/** objdump's instructions of one function: link-time address and mnemonic. */
function objdumpFunction(lib: string, fn: string): { address: number; mnemonic: string }[] {
  const text = run('objdump', ['-d', '--no-show-raw-insn', '-M', 'intel', join(repoRoot, lib)]);
  return text.slice(text.indexOf(`<${fn}>:\n`)).split('\n\n')[0]!.split('\n').slice(1)
    .map((l) => /^\s*([0-9a-f]+):\s+(\S+)/.exec(l))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => ({ address: parseInt(m[1]!, 16), mnemonic: m[2]! }));
}

/** A library's maps lines with addresses made relative to its first mapping (the base). */
function relativeMaps(text: string, path: string): string[] {
  const lines = text.split('\n').filter((l) => l.endsWith(' ' + path));
  const base = parseInt(lines[0]!.split('-')[0]!, 16);
  return lines.map((l) => {
    const [range, ...rest] = l.split(/\s+/);
    const [s, e] = range!.split('-').map((x) => parseInt(x, 16) - base);
    return [`${hex(s!)}-${hex(e!)}`, ...rest].join(' ');
  });
}

describe.runIf(hasCc())('picemu repl: regs, disas, maps', () => {
  const insns = objdumpFunction(LIB, F);
  const r = pipedRepl([LIB], [`call ${F}`, 'si 2', 'regs', `disas ${F} ${insns.length}`, 'maps']);

  it('marks exactly the register the last instruction wrote', () => {
    // The second instruction is `lea edx, [rax + 1]` (objdump): only rdx changes.
    expect(insns[1]!.mnemonic).toBe('lea');
    const marked = r.lines.filter((l) => / \*$/.test(l)).map((l) => l.split(/\s+/)[0]);
    expect(marked).toEqual(['rdx']);
  });

  it("lists the function's instructions at objdump's offsets, marking rip", () => {
    const listing = r.lines.filter((l) => /^(=>| {2}) 0x[0-9a-f]+ libcounter\.so\+/.test(l)).slice(-insns.length);
    expect(listing.map((l) => parseInt(/libcounter\.so\+(0x[0-9a-f]+)/.exec(l)![1]!, 16))).toEqual(insns.map((i) => i.address));
    const mnemonic = (l: string) => /libcounter\.so\+0x[0-9a-f]+(?: <[^>]+>)?\s+(?:[0-9a-f]{2} )+\s*([a-z]\w*)/.exec(l)?.[1];
    expect(listing.map(mnemonic)).toEqual(insns.map((i) => i.mnemonic));
    // After two steps, rip is at the third instruction.
    expect(listing.findIndex((l) => l.startsWith('=>'))).toBe(2);
  });

  it("prints the library's maps lines as the kernel shows them after dlopen", () => {
    const path = realpathSync(join(repoRoot, LIB));
    const kernel = execFileSync(buildCHelper('dlopen_maps', ['-ldl']), [path], { encoding: 'utf8' });
    expect(relativeMaps(r.stdout, path)).toEqual(relativeMaps(kernel, path));
  });
});

describe.runIf(hasCc())('picemu repl: load, spawn, ps', () => {
  const r = pipedRepl([LIB], ['load fixtures/libdemo.so', 'spawn', 'p 3', 'call bump_counter 7', 'c', `call ${F}`, 'c', 'ps', 'pages libdemo.so']);

  it('loads into every process, spawns a process that has both libraries, and lists them', () => {
    expect(r.lines).toContain('loaded libdemo.so in p1, p2');
    expect(r.lines).toContain('spawned p3');
    const [bumped] = nativeCall('fixtures/libdemo.so', 'bump_counter', [7]);
    const [counter] = nativeCall(LIB, F);
    expect(r.lines.filter((l) => l.startsWith('returned '))).toEqual([`returned ${bumped}`, `returned ${counter}`]);
    expect(r.lines.filter((l) => /^[* ] p\d/.test(l))).toEqual([
      '  p1  0 calls done, idle',
      '  p2  0 calls done, idle',
      '* p3  2 calls done, idle',
    ]);
    expect(r.stdout).toMatch(/^module +offset +perms +p1 +p2 +p3$/m);
  });
});
