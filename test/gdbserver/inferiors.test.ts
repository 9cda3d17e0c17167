// gdb with two of picemu's processes as inferiors: a watchpoint on i.0 in each stops after the write in each
// process's own copy; memory reads never fault or break COW, writes break COW as ptrace's do; monitor views.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { Machine } from '../../src/index.ts';
import { startGdbServer, type RunningGdbServer } from '../../src/gdbserver/server.ts';
import { repoRoot } from '../helpers/oracles.ts';
import { hasGdb, relativeTo, runGdb, section, sections } from './gdb.ts';

const LIB = join(repoRoot, 'fixtures/libcounter.so');
const SYMBOL = 'really_really_nonreentrant';

describe.skipIf(!hasGdb())('gdb: picemu processes as inferiors', () => {
  let machine: Machine;
  let server: RunningGdbServer;

  beforeAll(async () => {
    machine = await Machine.create();
    for (let k = 0; k < 2; k++) machine.spawn().load(LIB);
    server = await startGdbServer(machine, { port: 0, calls: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  const connect = () => [`target extended-remote 127.0.0.1:${server.port}`, 'sharedlibrary'];
  const watchIn = (n: number) => [
    section(`call${n}`), `monitor call ${SYMBOL}`,
    section(`watch${n}`), "watch *(int*)&'i.0'", 'continue', `p/x (long)$pc - (long)&${SYMBOL}`, 'x/i $pc - 6', "p/x (long)&'i.0'", 'delete',
  ];

  it('a watchpoint on i.0 stops after `mov dword ptr [rip + …], edx` in each process, each on its own i.0', async () => {
    const out = await runGdb([
      ...connect(), ...watchIn(1),
      'add-inferior', 'inferior 2', 'attach 2', 'sharedlibrary', ...watchIn(2),
      section('solib2'), 'info sharedlibrary',
      section('inferiors'), 'info inferiors',
      'inferior 1', section('solib1'), 'info sharedlibrary',
      section('end'),
    ]);
    const parts = sections(out);
    const addresses: string[] = [];
    for (const n of [1, 2]) {
      const lines = parts.get(`watch${n}`)!;
      expect(lines, out).toContain('Old value = 0');
      expect(lines).toContain('New value = 1');
      const values = lines.filter((l) => /^\$\d+ = /.test(l)).map((l) => l.replace(/^\$\d+ = /, ''));
      expect(values[0], `process ${n}: stopped at the instruction after the write`).toBe('0xf');
      // The previous instruction (6 bytes back) is the write, in gdb's AT&T syntax: mov %edx,0x2efd(%rip).
      expect(lines.find((l) => l.includes('<really_really_nonreentrant+9>'))).toMatch(/mov\s+%edx,0x2efd\(%rip\)\s+# 0x[0-9a-f]+ <i\.0>/);
      addresses.push(values[1]!);
    }
    const [p1, p2] = machine.processes;
    expect(addresses).toEqual([p1!.resolve('i.0'), p2!.resolve('i.0')].map((a) => '0x' + a.toString(16)));
    expect(addresses[0]).not.toBe(addresses[1]);
    // Each inferior sees its own process's library list: libcounter.so's .text at that process's base.
    for (const [n, p] of [[1, p1], [2, p2]] as const) {
      const row = parts.get(`solib${n}`)!.find((l) => l.includes('libcounter.so'))!.trim().split(/\s+/);
      expect(row.slice(0, 2), `inferior ${n}`).toEqual([p!.baseOf('libcounter.so')! + 0x1040, p!.baseOf('libcounter.so')! + 0x1110].map((a) => '0x' + a.toString(16).padStart(16, '0')));
      expect(row.slice(2, 4)).toEqual(['Yes', '(*)']);
    }
    const inferiors = parts.get('inferiors')!.join('\n');
    expect(inferiors).toMatch(/1\s+process 1/);
    expect(inferiors).toMatch(/2\s+process 2/);
    // gdb detached at exit; the processes are intact and can be used by the next client.
    expect(p1!.activeCall?.name).toBe(SYMBOL);
  });

  it('memory: x reads without breaking COW, set var writes as ptrace does (one private copy)', async () => {
    const [p1, p2] = machine.processes;
    const code = p1!.resolve(SYMBOL);
    const codeOffset = code - p1!.baseOf('libcounter.so')!;
    const frame = (p: typeof p1, off: number) => p!.space.frameAt(p!.baseOf('libcounter.so')! + off)?.frame;
    const shared = frame(p1, codeOffset);
    expect(frame(p2, codeOffset)).toBe(shared);
    const out = await runGdb([
      ...connect(),
      section('read'), `x/4xb ${code}`,
      section('write'), `set var *(unsigned char*)${code + 15} = 0xc3`, `x/1xb ${code + 15}`,
      section('end'),
    ]);
    const parts = sections(out);
    expect(parts.get('read')!.join('\n')).toMatch(/0x8b\s+0x05\s+0x06\s+0x2f/);
    expect(parts.get('write')!.join('\n'), out).toMatch(/0xc3/);
    // The write (the same byte: ret) went to a private copy of the code page in process 1 only.
    expect(frame(p1, codeOffset)).not.toBe(shared);
    expect(frame(p2, codeOffset)).toBe(shared);
  });

  it('monitor: pages, frames, maps, ps, help, and errors for bad input', async () => {
    const out = await runGdb([
      ...connect(),
      section('pages'), 'monitor pages libcounter.so',
      section('frames'), "monitor frames i.0",
      section('maps'), 'monitor maps',
      section('ps'), 'monitor ps',
      section('bad'), 'monitor pages nosuch.so', 'monitor frames', 'monitor call nosuchsymbol', 'monitor frobnicate',
      section('end'),
    ]);
    const parts = sections(out);
    const p1 = machine.processes[0]!;
    const base = BigInt(p1.baseOf('libcounter.so')!);
    const pages = parts.get('pages')!.map((l) => l.replace(/\s+/g, ' ').trim());
    expect(pages[0]).toBe('module offset perms p1 p2');
    expect(pages.find((l) => l.startsWith('libcounter.so 0x1000 r-xp'))).toBeDefined();
    expect(parts.get('frames')!.join('\n')).toMatch(/process 1: 0x[0-9a-f]+\s+libcounter\.so\+0x400c i\.0 \(\.bss\)\s+rw-p\s+frame \d+/);
    expect(parts.get('frames')!.join('\n')).toMatch(/process 2: 0x[0-9a-f]+\s+libcounter\.so\+0x400c i\.0/);
    expect(parts.get('maps')!.join('\n') + '\n').toContain(p1.maps().split('\n').find((l) => l.includes('r-xp') && l.includes('libcounter'))!);
    expect(relativeTo(parts.get('ps')!.join('\n'), base)).toMatch(/process 1 \(current\): libcounter\.so/);
    const bad = parts.get('bad')!.filter((l) => l.startsWith('error:'));
    expect(bad).toEqual([
      "error: no module 'nosuch.so' (loaded: libcounter.so)",
      'error: usage: monitor frames ADDR|SYMBOL',
      expect.stringMatching(/^error: (process 1 is already in a call|no symbol nosuchsymbol)/),
      "error: unknown monitor command 'frobnicate' (monitor help lists them)",
    ]);
  });
});
