// /proc/PID/status, statm and stat against the kernel's for a native process: the native helper
// (test/helpers/c/proc_status.c) prints its maps, which pages are present, and its own status/statm/stat;
// the same VMAs with the same pages present are built in a picemu address space and rendered. Labels, order,
// spacing and every memory figure must equal the kernel's.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { createSharedMemory } from '../../src/mm/index.ts';
import { AddressSpace } from '../../src/mm/address-space.ts';
import { PROT_EXEC, PROT_READ, PROT_WRITE } from '../../src/mm/types.ts';
import { PM_FILE, PM_PRESENT } from '../../src/mm/index.ts';
import { readPagemap, renderStat, renderStatm, renderStatus, type ProcTask } from '../../src/kernel/procfs/index.ts';
import { buildCHelper, hasCc } from '../helpers/oracles.ts';

interface Native { maps: string[]; pages: Map<number, string>; status: string; statm: string; stat: string }

function native(lib: string): Native {
  const out = execFileSync(buildCHelper('proc_status', ['-ldl']), [lib], { encoding: 'utf8' });
  const section = (name: string) => out.split(`== ${name}\n`)[1]!.split('\n== ')[0]! + '\n';
  const pages = new Map<number, string>();
  for (const line of section('pagemap').trim().split('\n')) {
    const [start, chars] = line.split(' ');
    pages.set(parseInt(start!, 16), chars!);
  }
  return { maps: section('maps').trim().split('\n'), pages, status: section('status'), statm: section('statm'), stat: section('stat') };
}

const SPECIAL = /\[(vvar|vvar_vclock|vdso|vsyscall)\]$/;

/** The native process's VMAs and resident pages rebuilt in a picemu address space. */
function replicate(n: Native): { space: AddressSpace; specialFilePages: number } {
  const shared = createSharedMemory();
  const space = new AddressSpace({ ...shared, memoryLimit: Infinity });
  let specialFilePages = 0;
  for (const line of n.maps) {
    const [range, perms, offset, , , path] = line.split(/\s+/);
    const [start, end] = range!.split('-').map((h) => parseInt(h, 16)) as [number, number];
    if (start >= 0xffffffffff600000) continue; // [vsyscall] is the gate page, not a VMA
    const prot = (perms![0] === 'r' ? PROT_READ : 0) | (perms![1] === 'w' ? PROT_WRITE : 0) | (perms![2] === 'x' ? PROT_EXEC : 0);
    const file = path && path.startsWith('/') ? shared.pageCache.open(path) : undefined;
    space.mmap({
      addr: start, length: end - start, prot, fixed: true, shared: perms![3] === 's', file, offset: file ? parseInt(offset!, 16) : 0,
      growsDown: path === '[stack]', name: path && !file ? path : undefined,
    });
    const chars = n.pages.get(start)!;
    if (path && SPECIAL.test(path)) {
      // The vDSO's pages are the kernel's own: counted natively, left out here (picemu's exec maps its own).
      specialFilePages += [...chars].filter((c) => c === 'f').length;
      continue;
    }
    for (let i = 0; i < chars.length; i++) {
      const va = start + i * 4096;
      if (chars[i] === 'f') space.peek(va, 1) && space.read(va, 1);
      else if (chars[i] === 'a') space.poke(va, new Uint8Array([0]));
    }
  }
  return { space, specialFilePages };
}

function task(space: AddressSpace, stat: string[], comm: string): ProcTask {
  const num = (k: number) => Number(stat[k - 1]);
  return {
    tid: 1, tgid: 1, ppid: 0, pgrp: 1, session: 1, comm, noNewPrivs: false, state: 'R', pfFlags: 0x400000, umask: 0o22,
    creds: { uid: 0, euid: 0, suid: 0, fsuid: 0, gid: 0, egid: 0, sgid: 0, fsgid: 0, groups: [] },
    space,
    layout: {
      startCode: num(26), endCode: num(27), startStack: num(28), startData: num(45), endData: num(46), startBrk: num(47),
      brk: num(47), argStart: num(48), argEnd: num(49), envStart: num(50), envEnd: num(51),
    },
    auxv: new Uint8Array(16), exe: null, cwd: '/', fds: new Map([[0, '/dev/null'], [1, 'pipe:[1]'], [2, 'pipe:[2]']]), threads: 1,
    signals: { pending: 0n, sharedPending: 0n, blocked: 0n, ignored: 0n, caught: 0n },
    peakRss: 0, peakVm: 0, minorFaults: 0, majorFaults: 0, startTime: 0, exitCode: 0, exitSignal: 17,
  };
}

const kbOf = (status: string, label: string): number => Number(new RegExp(`^${label}:\\s+(\\d+) kB$`, 'm').exec(status)![1]);

/** A status line's shape: label and spacing kept, numbers and hex masks replaced (a padded "%8lu kB" keeps its width). */
function shape(line: string): string {
  return line
    .replace(/^(\w+:\t) *\d+ kB$/, (_m, label: string) => `${label}[8] kB`)
    .replace(/[0-9a-f]{16}/g, 'H')
    .replace(/\d+/g, 'N');
}

describe.skipIf(!hasCc())('/proc/PID/status, statm, stat vs the kernel', () => {
  const LIB = '/lib/x86_64-linux-gnu/libz.so.1';

  it('prints the kernel\'s labels in its order and spacing, and its memory figures', () => {
    const n = native(LIB);
    const nativeStat = n.stat.trim().replace(/\(.*\)/, '(x)').split(' ');
    const { space, specialFilePages } = replicate(n);
    const t = task(space, nativeStat, /^Name:\t(.*)$/m.exec(n.status)![1]!);
    const ours = renderStatus(t, { cpuCount: 2 });
    // Same lines, same order, same spacing (values aside).
    const lines = (s: string) => s.trimEnd().split('\n').filter((l) => !/^(Mems_allowed|Cpus_allowed)/.test(l));
    expect(lines(ours).map(shape)).toEqual(lines(n.status).map(shape));
    // The memory figures (the vDSO's own pages aside).
    for (const label of ['VmSize', 'VmData', 'VmStk', 'VmExe', 'VmLib', 'VmPTE', 'RssAnon', 'RssShmem']) {
      expect(kbOf(ours, label), label).toBe(kbOf(n.status, label));
    }
    expect(kbOf(ours, 'RssFile') + specialFilePages * 4).toBe(kbOf(n.status, 'RssFile'));
    expect(kbOf(ours, 'VmRSS') + specialFilePages * 4).toBe(kbOf(n.status, 'VmRSS'));

    // statm: size resident shared text lib data dt (pages).
    const [size, resident, sharedPages, text, lib, data, dt] = renderStatm(t).trim().split(' ').map(Number);
    const nat = n.statm.trim().split(' ').map(Number);
    expect([size, resident! + specialFilePages, sharedPages! + specialFilePages, text, lib, data, dt]).toEqual(nat);

    // stat: 52 fields, vsize as the kernel's. (Its rss field is the kernel's per-CPU counter estimate, which
    // lags the exact sum status and statm print: picemu prints the exact figure.)
    const stat = renderStat(t).trim().split(' ');
    expect(stat).toHaveLength(nativeStat.length);
    expect(stat[22]).toBe(nativeStat[22]);
    expect(Number(stat[23])).toBe(resident);
  });

  it('pagemap: the kernel\'s present and file bits for every page', () => {
    const n = native(LIB);
    const { space } = replicate(n);
    for (const [start, chars] of n.pages) {
      const vma = space.vmaAt(start);
      if (vma?.name && SPECIAL.test(vma.name)) continue;
      const bytes = readPagemap(space, (start / 4096) * 8, chars.length * 8, true);
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
      const ours = [...chars].map((_c, i) => {
        const e = view.getBigUint64(i * 8, true);
        return !(e & PM_PRESENT) ? '.' : e & PM_FILE ? 'f' : 'a';
      }).join('');
      expect(ours, `pages of the VMA at 0x${start.toString(16)}`).toBe(chars);
    }
  });
});
