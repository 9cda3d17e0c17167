// The REPL's `exec PROGRAM`: an exec'ed process stopped at its first instruction (gdb's starti), then si, b main,
// c, x/s, info registers, maps and `strace on`, each checked against an oracle: gdb running the same program
// natively (starti, stepi, break main, info proc mappings) and Debian's strace of the native run.
import { beforeAll, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildCSource, hasCc, repoRoot, requireOracle, run } from '../helpers/oracles.ts';
import { hasGdb, runGdb, section, sections } from '../gdbserver/gdb.ts';
import { pipedRepl, type PipedResult } from './drive.ts';

function works(cmd: string): boolean {
  try {
    run(cmd, ['-V']);
    return true;
  } catch {
    return false;
  }
}

const ready = hasGdb() && hasCc() && requireOracle('strace', works('strace'), 'apt-get install strace');

/** `START-END PERMS OFFSET NAME` rows, from a maps file or from gdb's `info proc mappings` table. */
function mapRows(lines: string[]): string[] {
  const rows: string[] = [];
  for (const l of lines) {
    const maps = /^([0-9a-f]+)-([0-9a-f]+) (\S{4}) ([0-9a-f]+) \S+ \d+\s*(.*)$/.exec(l);
    if (maps) rows.push([BigInt('0x' + maps[1]!), BigInt('0x' + maps[2]!), maps[3], BigInt('0x' + maps[4]!), maps[5]!.trim()].join(' '));
    const gdb = /^\s*0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S{4})\s*(.*)$/.exec(l);
    if (gdb) rows.push([BigInt('0x' + gdb[1]!), BigInt('0x' + gdb[2]!), gdb[4], BigInt('0x' + gdb[3]!), gdb[5]!.trim()].join(' '));
  }
  return rows;
}

describe.skipIf(!ready)('picemu repl: exec PROGRAM, against gdb and strace on the native run', () => {
  let program: string;
  let repl: PipedResult;
  let gdb: Map<string, string[]>;
  let strace: string[];

  beforeAll(async () => {
    program = buildCSource(join(repoRoot, 'test/gdbserver/c/exit_status.c'));
    repl = pipedRepl(['--procs', '1'], [
      `exec ${program} 3`, 'si', 'si', 'si', 'b main', 'c', 'info registers rip', 'x/s *(char**)($rsi+8)',
      'maps', 'strace on', 'c',
    ], 90_000);
    gdb = sections(await runGdb([
      `file ${program}`, 'set startup-with-shell off', section('start'), 'starti 3', 'p/x $pc',
      section('steps'), 'stepi', 'p/x $pc', 'stepi', 'p/x $pc', 'stepi', 'p/x $pc',
      section('main'), 'break main', 'continue', 'info registers rip', 'x/s ((char**)$rsi)[1]',
      section('maps'), 'info proc mappings', section('end'), 'kill',
    ], 90_000));
    // strace pads results to a column in a file: one space, as on a terminal. The program exits with 3; its stdout is a pipe, as the REPL's buffer shows it to the program (S_IFIFO).
    const log = join(mkdtempSync(join(tmpdir(), 'picemu-strace-')), 'log');
    spawnSync('strace', ['-f', '-qq', '-o', log, program, '3'], { stdio: ['ignore', 'pipe', 'pipe'] });
    strace = readFileSync(log, 'utf8').split('\n').map((l) => l.replace(/^\d+ +/, '').replace(/^(.*\)) +(= .*)$/, '$1 $2')).filter((l) => /^\w+\(/.test(l));
  }, 200_000);

  const pcs = (lines: string[]) => lines.map((l) => /^\$\d+ = (0x[0-9a-f]+)$/.exec(l)?.[1]).filter(Boolean);

  it('stops at the first instruction, where gdb\'s starti stops, and si goes where stepi goes', () => {
    expect(repl.status).toBe(0);
    expect(repl.lines).toContain(`p2: ${program} 3, stopped at its first instruction`);
    const [first] = pcs(gdb.get('start')!);
    expect(repl.lines.find((l) => l.startsWith('=> '))).toMatch(new RegExp(`^=> ${first} `));
    // Each si prints `#N ADDR …` for the instruction it ran, then `=> ADDR …` for the next one.
    const stepped = repl.lines.filter((l) => /^#\d+ 0x/.test(l)).map((l) => l.split(' ')[1]);
    const next = repl.lines.filter((l) => l.startsWith('=> ')).map((l) => l.split(' ')[1]);
    expect(stepped).toEqual(next.slice(0, 3));
    expect(next.slice(1, 4)).toEqual(pcs(gdb.get('steps')!));
  });

  it('b main, c: stopped at main with rip and argv[1] as gdb shows them', () => {
    const rip = (lines: string[]) => lines.find((l) => l.startsWith('rip'))?.split(/\s+/)[1];
    expect(rip(repl.lines)).toBe(rip(gdb.get('main')!));
    expect(repl.lines.find((l) => l.startsWith('rip'))).toContain('<main+0>');
    expect(repl.lines.some((l) => /^0x[0-9a-f]+:\t"3"$/.test(l))).toBe(true);
    expect(gdb.get('main')!.some((l) => /^0x[0-9a-f]+:\t"3"$/.test(l))).toBe(true);
  });

  it('maps at main: the mappings gdb\'s info proc mappings lists for the native process', () => {
    const mine = mapRows(repl.lines);
    expect(mine.length).toBeGreaterThan(15);
    expect(mine).toEqual(mapRows(gdb.get('maps')!));
  });

  it('strace on: the system calls from main to the end, as strace prints them natively', () => {
    // Between `strace on` and the program's own output (shown when the run stops).
    const mine = repl.lines.slice(repl.lines.indexOf('strace on') + 1, repl.lines.indexOf('twice(3) = 6'));
    expect(mine.length).toBeGreaterThan(3);
    expect(mine.map((l) => l.split('(')[0])).toEqual(strace.slice(-mine.length).map((l) => l.split('(')[0]));
    expect(mine.at(-1)).toBe('exit_group(3) = ?');
    const write = (lines: string[]) => lines.find((l) => l.startsWith('write('));
    expect(write(mine)).toBe('write(1, "twice(3) = 6\\n", 13) = 13');
    expect(write(mine)).toBe(write(strace));
    expect(repl.lines).toContain('twice(3) = 6');
    expect(repl.lines).toContain('[p2 exited with code 03]');
  });

  it('a signal stops the program as in gdb; si steps into its handler, c goes on', async () => {
    const signals = buildCSource(join(repoRoot, 'test/gdbserver/c/signals.c'));
    const r = pipedRepl(['--procs', '1'], [`exec ${signals} usr1`, 'c', 'si', 'c'], 90_000);
    const native = sections(await runGdb([`file ${signals}`, 'set startup-with-shell off', section('stop'), 'run usr1', 'p/x $pc', section('step'), 'stepi', 'p/x $pc', section('end'), 'continue'], 90_000));
    expect(r.lines).toContain('Program received signal SIGUSR1, User defined signal 1.');
    expect(native.get('stop')).toContain('Program received signal SIGUSR1, User defined signal 1.');
    const at = r.lines.filter((l) => l.startsWith('=> ')).map((l) => l.split(' ')[1]);
    // `=>` after exec, after the stop (in kill), after si (the handler's first instruction).
    expect(at.slice(1, 3)).toEqual([...pcs(native.get('stop')!), ...pcs(native.get('step')!)]);
    expect(r.lines).toContain('SIGUSR1 delivered: at its handler');
    expect(r.lines.find((l) => l.startsWith('=> ') && l.includes('on_usr1'))).toBeDefined();
    expect(r.lines.slice(-3)).toEqual(['handled 10', '[p2 exited normally]', '']);
  }, 200_000);

  it('a program that forks and execs (sh): the children run on their own, as gdb\'s detach-on-fork, SIGCHLD does not stop it', () => {
    const script = '/bin/echo${IFS}a;/bin/echo${IFS}b';
    const r = pipedRepl(['--procs', '1'], [`exec sh -c ${script}`, 'c'], 90_000);
    const native = spawnSync('sh', ['-c', script], { encoding: 'utf8' });
    const at = r.lines.indexOf('[p2 exited normally]');
    expect(at).toBeGreaterThan(0);
    expect(r.lines.filter((l) => l === 'a' || l === 'b').join('\n') + '\n').toBe(native.stdout);
    expect(r.lines.some((l) => /^\[Detaching after v?fork from child p\d+\]$/.test(l))).toBe(true);
    expect(r.lines.some((l) => l.startsWith('Program received signal'))).toBe(false);
  }, 120_000);
});
