// The REPL in a real terminal (tmux): Tab completes a symbol name, Up recalls the last command (also from
// the history file in a new session), and colour appears only without NO_COLOR.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { nativeCall } from '../helpers/native.ts';
import { hasCc, repoRoot, requireOracle } from '../helpers/oracles.ts';

function tmuxWorks(): boolean {
  try {
    execFileSync('tmux', ['-V'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

const socket = `picemu-repl-test-${process.pid}`;
const tmux = (...args: string[]): string => execFileSync('tmux', ['-L', socket, ...args], { encoding: 'utf8' });
const dir = mkdtempSync(join(tmpdir(), 'picemu-tty-'));
const history = join(dir, 'history');

function start(name: string, env: string, lib = 'fixtures/libcounter.so'): void {
  const cmd = `cd ${repoRoot} && env ${env} PICEMU_HISTORY=${history} node bin/picemu.mjs repl ${lib}`;
  tmux('new-session', '-d', '-s', name, '-x', '200', '-y', '50', cmd);
}

const screen = (name: string, colour = false): string => tmux('capture-pane', '-p', ...(colour ? ['-e'] : []), '-t', name);

/** Polls the screen until `test` holds (the REPL starts in a second or two under load). */
async function waitFor(name: string, test: (text: string) => boolean, what: string, colour = false): Promise<string> {
  const deadline = Date.now() + 15_000;
  let text = '';
  while (Date.now() < deadline) {
    text = screen(name, colour);
    if (test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}; screen:\n${text}`);
}

function sessionAlive(name: string): boolean {
  try {
    execFileSync('tmux', ['-L', socket, 'has-session', '-t', name], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

async function waitUntil(test: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 15_000;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The last non-empty line on the screen. */
const lastLine = (text: string): string => text.trimEnd().split('\n').at(-1) ?? '';

describe.runIf(requireOracle('tmux', tmuxWorks(), 'apt-get install tmux') && hasCc())('picemu repl in a terminal', () => {
  afterAll(() => {
    try { tmux('kill-server'); } catch { /* already gone */ }
  });

  it('completes a symbol with Tab, recalls the last command with Up, and keeps history in the file', async () => {
    start('a', 'TERM=xterm-256color');
    await waitFor('a', (t) => lastLine(t) === '(p1)', 'the prompt');
    tmux('send-keys', '-t', 'a', '-l', 'call really_r');
    tmux('send-keys', '-t', 'a', 'Tab');
    await waitFor('a', (t) => lastLine(t) === '(p1) call really_really_nonreentrant', 'the completed name');
    tmux('send-keys', '-t', 'a', 'Enter');
    // Type `c` at the next prompt, not ahead of it (typed ahead under load, it lands before "returned").
    await waitFor('a', (t) => /^=> 0x[0-9a-f]+ libcounter\.so\+0x1100 <really_really_nonreentrant>/m.test(t) && lastLine(t) === '(p1)', 'the call to start');
    tmux('send-keys', '-t', 'a', '-l', 'c');
    tmux('send-keys', '-t', 'a', 'Enter');
    const [first] = nativeCall('fixtures/libcounter.so', 'really_really_nonreentrant');
    await waitFor('a', (t) => new RegExp(`^returned ${first}$`, 'm').test(t) && lastLine(t) === '(p1)', 'the call to return');
    tmux('send-keys', '-t', 'a', 'Up');
    await waitFor('a', (t) => lastLine(t) === '(p1) c', 'Up to recall `c`');
    tmux('send-keys', '-t', 'a', 'Up');
    await waitFor('a', (t) => lastLine(t) === '(p1) call really_really_nonreentrant', 'Up again to recall the call');
    tmux('send-keys', '-t', 'a', 'C-u');
    tmux('send-keys', '-t', 'a', '-l', 'q');
    tmux('send-keys', '-t', 'a', 'Enter');
    await waitUntil(() => !sessionAlive('a'), 'the REPL to quit on q');
    expect(readFileSync(history, 'utf8').split('\n')).toEqual(['call really_really_nonreentrant', 'c', 'q', '']);

    // A new session starts with that history: Up gives the last command of the previous one.
    start('b', 'TERM=xterm-256color');
    await waitFor('b', (t) => lastLine(t) === '(p1)', 'the prompt of the second session');
    tmux('send-keys', '-t', 'b', 'Up');
    await waitFor('b', (t) => lastLine(t) === '(p1) q', 'Up to recall `q` from the file');
  }, 40_000);

  it('colours output in a terminal unless NO_COLOR is set', async () => {
    start('colour', 'TERM=xterm-256color');
    start('plain', 'TERM=xterm-256color NO_COLOR=1');
    for (const name of ['colour', 'plain']) {
      await waitFor(name, (t) => lastLine(t) === '(p1)', 'the prompt');
      tmux('send-keys', '-t', name, '-l', 'disas really_really_nonreentrant 1');
      tmux('send-keys', '-t', name, 'Enter');
      await waitFor(name, (t) => /libcounter\.so\+0x[0-9a-f]+ <really_really_nonreentrant>/.test(t), 'the disassembly');
    }
    // `capture-pane -e` keeps the escape sequences.
    expect(screen('colour', true)).toMatch(/\x1b\[[0-9;]*m/);
    expect(screen('plain', true)).not.toMatch(/\x1b\[[0-9;]*m/);
  }, 40_000);

  it('speaks gdb at a terminal: a banner, Ctrl-C drops the typed line, Enter repeats si, x/2i, p $rax, info registers', async () => {
    start('gdbish', 'TERM=xterm-256color NO_COLOR=1');
    await waitFor('gdbish', (t) => lastLine(t) === '(p1)' && /^picemu repl: 2 processes with fixtures\/libcounter\.so\. gdb's words work/m.test(t), 'the banner and prompt');
    tmux('send-keys', '-t', 'gdbish', '-l', 'frobnicate');
    tmux('send-keys', '-t', 'gdbish', 'C-c');
    await waitFor('gdbish', (t) => lastLine(t) === '(p1)' && t.includes('^C'), 'Ctrl-C to clear the line');
    for (const line of ['call really_really_nonreentrant', 'si', '', 'x/2i $pc', 'p $rax + 1', 'info registers rdx eflags']) {
      if (line) tmux('send-keys', '-t', 'gdbish', '-l', line);
      tmux('send-keys', '-t', 'gdbish', 'Enter');
      await new Promise((r) => setTimeout(r, 150));
    }
    const text = await waitFor('gdbish', (t) => /^eflags +0x[0-9a-f]+ +\[ [A-Z ]*\]$/m.test(t), 'info registers');
    expect(text).not.toContain('frobnicate'); // Ctrl-C dropped it: Enter did not run it later
    expect(text).toMatch(/^#0 0x[0-9a-f]+ libcounter\.so\+0x1100 <really_really_nonreentrant> /m);
    expect(text).toMatch(/^#1 0x[0-9a-f]+ libcounter\.so\+0x1106 /m); // the empty line repeated si
    expect(text).toMatch(/^=> 0x[0-9a-f]+ <really_really_nonreentrant\+9>:\s+mov dword ptr \[rip \+ 0x2efd\], edx$/m);
    expect(text).toMatch(/^\$1 = [1-9]\d*$/m);
    expect(text).toMatch(/^rdx +0x[0-9a-f]+ +\d+/m);
  }, 40_000);

  it('stops a long c at Ctrl-C and keeps the session', async () => {
    // No budget to run out before the Ctrl-C arrives (the default 200 M instructions can pass in a second now).
    start('int', 'TERM=xterm-256color', 'fixtures/libdemo.so --budget 0x7fffffffffff');
    await waitFor('int', (t) => lastLine(t) === '(p1)', 'the prompt');
    // fib(40) makes hundreds of millions of calls: far longer than this test waits.
    tmux('send-keys', '-t', 'int', '-l', 'call fib 40');
    tmux('send-keys', '-t', 'int', 'Enter');
    await waitFor('int', (t) => /^=> 0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <fib>/m.test(t) && lastLine(t) === '(p1)', 'the call to start');
    tmux('send-keys', '-t', 'int', '-l', 'c');
    tmux('send-keys', '-t', 'int', 'Enter');
    await new Promise((r) => setTimeout(r, 1000));
    tmux('send-keys', '-t', 'int', 'C-c');
    await waitFor('int', (t) => /^interrupted at 0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <fib/m.test(t) && lastLine(t) === '(p1)', 'the interruption');
    tmux('send-keys', '-t', 'int', '-l', 'bt');
    tmux('send-keys', '-t', 'int', 'Enter');
    await waitFor('int', (t) => /^#1  0x[0-9a-f]+ libdemo\.so\+0x[0-9a-f]+ <fib\+0x[0-9a-f]+>$/m.test(t), 'the backtrace');
  }, 40_000);
});
