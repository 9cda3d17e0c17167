// Every label of a traced step describes one moment: the end of that step. Module, symbol and VMA come from the
// mappings then (mapping-moment.ts), so a kept trace read after an munmap or a dlclose still names what ran;
// `shared` says whether the frame was mapped by more than one process then (the pages table: when it is taken).
// Oracles: the native run of the same dlopen/dlclose/dlopen (where ld.so and the kernel put the second library),
// readelf (symbol offsets, segment flags), and the kernel's pagemap of two processes reading a page that one of
// them then copies (test/helpers/c/dlopen_cow.c).
import { execFileSync } from 'node:child_process';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import type { MemoryAccess, StepEvent } from '../../src/trace/events.ts';
import { COW_LIB, cowTarget } from '../helpers/cowdata.ts';
import { buildCHelper, buildCSource, hasCc, hasReadelf, repoRoot, run } from '../helpers/oracles.ts';

const C = join(repoRoot, 'test', 'trace', 'c');
const hex = (n: number): string => n.toString(16);

/** readelf's value of a defined symbol of `lib`. */
function symbolValue(lib: string, name: string): number {
  const m = new RegExp(`^\\s*\\d+:\\s+([0-9a-f]+)\\s+\\d+\\s+\\w+\\s+\\w+\\s+\\w+\\s+\\d+\\s+${name}$`, 'm').exec(run('readelf', ['-sW', lib]));
  if (!m) throw new Error(`${lib}: no ${name} in readelf -sW`);
  return parseInt(m[1]!, 16);
}

describe.skipIf(!hasCc() || !hasReadelf())('a trace across a dlclose and a dlopen of another library at the same address', () => {
  // Two libraries of one layout (swap_a and swap_b at the same offset), and one that opens, calls and closes each in turn.
  const libA = buildCSource(join(C, 'swap_lib.c'), ['-shared', '-fPIC', '-DWHICH=a', '-DWHICH_VALUE=10']);
  const libB = buildCSource(join(C, 'swap_lib.c'), ['-shared', '-fPIC', '-DWHICH=b', '-DWHICH_VALUE=20']);
  const libSwap = buildCSource(join(C, 'swap_libraries.c'), ['-shared', '-fPIC', '-ldl']);

  it('labels the steps in the first library with it, and the steps at the same addresses in the second with that', async () => {
    // Natively, ld.so puts B where A was (the kernel's top-down placement reuses the range dlclose freed).
    const native = /^result (-?\d+) base_a ([0-9a-f]+) base_b ([0-9a-f]+)$/.exec(execFileSync(buildCSource(join(C, 'swap_main.c'), ['-ldl']), [libSwap, libA, libB], { encoding: 'utf8' }).trim())!;
    expect(native[2]).toBe(native[3]);
    const offset = symbolValue(libA, 'swap_a');
    expect(symbolValue(libB, 'swap_b')).toBe(offset);

    const m = await Machine.create({ seed: 11 });
    const p = m.spawn();
    p.load(libSwap);
    const [nameA, nameB] = [basename(libA), basename(libB)];
    const out = p.call('swap_libraries', [libA, libB], { trace: true, filter: { modules: [nameA, nameB] } });
    expect(out.result).toMatchObject({ value: BigInt(native[1]!) });
    const bases = p.resolve('swap_bases');
    const [baseA, baseB] = [Number(p.space.readU64(bases)), Number(p.space.readU64(bases + 8))];
    expect(baseB).toBe(baseA); // as natively

    // Read after the call, when neither library is mapped any more: each step keeps the library that ran it.
    const at = (rip: number): StepEvent[] => out.events.filter((e) => e.rip === rip);
    const entries = at(baseA + offset);
    expect(entries.map((e) => [e.module, e.symbol])).toEqual([
      [nameA, 'swap_a'],
      [nameB, 'swap_b'],
    ]);
    expect(p.space.vmaAt(baseA)).toBeUndefined();
    // The return of each reads the stack; every access into a library's own pages names that library's file.
    const own = (e: StepEvent[]): MemoryAccess[] => e.flatMap((s) => s.accesses).filter((a) => a.va >= baseA && a.va < baseA + 0x5000);
    const stepsOf = (name: string): StepEvent[] => out.events.filter((e) => e.module === name);
    expect(stepsOf(nameA).length).toBeGreaterThan(10);
    expect(stepsOf(nameB).length).toBe(stepsOf(nameA).length);
    for (const [name, path] of [[nameA, libA], [nameB, libB]] as const) {
      const accesses = own(stepsOf(name));
      expect(accesses.length).toBeGreaterThan(0);
      for (const a of accesses) expect([a.module, a.vma?.name]).toEqual([name, path]);
      for (const s of stepsOf(name)) expect(s.module).toBe(name);
    }
  });
});

describe.skipIf(!hasReadelf())('a kept trace read after its library is unmapped', () => {
  it('keeps the module, symbol and VMA of each access as they were at the step', async () => {
    const lib = join(repoRoot, 'fixtures', 'libcounter.so');
    const i0 = symbolValue(lib, 'i.0');
    // readelf: the PT_LOAD holding i.0 is RW, so its VMA was rw-p.
    const loads = [...run('readelf', ['-lW', lib]).matchAll(/^\s+LOAD\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+0x([0-9a-f]+)\s+(\S+)/gm)];
    const seg = loads.find((l) => parseInt(l[2]!, 16) <= i0 && i0 < parseInt(l[2]!, 16) + parseInt(l[4]!, 16))!;
    expect(seg[5]).toBe('RW');

    const m = await Machine.create({ seed: 12 });
    const p = m.spawn();
    p.load(lib);
    const base = p.baseOf('libcounter.so')!;
    const out = p.call('really_really_nonreentrant', [], { trace: true });
    const end = p.space.mappings().filter((v) => v.file?.identity.path === lib).at(-1)!.end;
    p.space.munmap(base, end - base);

    const onI = out.events.flatMap((e) => e.accesses).filter((a) => a.va === base + i0);
    expect(onI.map((a) => a.kind)).toEqual(['read', 'write']);
    for (const a of onI) {
      expect([a.module, a.symbol, a.section, a.vma?.perms]).toEqual(['libcounter.so', 'i.0', '.bss', 'rw-p']);
      expect(a.vma!.start).toBeLessThanOrEqual(base + i0);
    }
    expect(out.events[0]!.symbol).toBe('really_really_nonreentrant');
    expect(out.events[0]!.module).toBe('libcounter.so');
  });
});

describe.skipIf(!hasCc() || !hasReadelf())('`shared` in a trace is the kernel\'s answer at the moment of the step', () => {
  it("libcowdata.so: p2's read of the page is shared while p1 maps it too, private once p1 has its own copy; the pages table says the latter at the end", async () => {
    const t = cowTarget();
    const V = 7;
    // The kernel, after both read the element (phase read), and after child 1 wrote it and child 2 read it again
    // (phase write): pagemap of that page in each child ('S' file page mapped by more than one process, 'F' only here).
    const out = execFileSync(buildCHelper('dlopen_cow', ['-ldl']), [COW_LIB, String(t.k), String(V)], { encoding: 'utf8' });
    const states: Record<string, string[]> = {};
    let phase = '';
    let start = 0;
    for (const line of out.split('\n')) {
      let x: RegExpExecArray | null;
      if ((x = /^phase (\w+)$/.exec(line))) states[(phase = x[1]!)] = [];
      else if ((x = /^vma ([0-9a-f]+) ([0-9a-f]+) \S+$/.exec(line))) start = parseInt(x[1]!, 16) <= t.page && t.page < parseInt(x[2]!, 16) ? parseInt(x[1]!, 16) : -1;
      else if ((x = /^pages (\S*)$/.exec(line)) && phase && start >= 0) states[phase]!.push(x[1]![(t.page - start) / 0x1000]!);
    }
    expect(states.read).toEqual(['S', 'S']);
    expect(states.write).toEqual(['A', 'F']);

    const m = await Machine.create({ seed: 13 });
    const [p1, p2] = [m.spawn(), m.spawn()];
    for (const p of [p1, p2]) p.load(COW_LIB);
    const readOf = (events: StepEvent[]): MemoryAccess => events.flatMap((e) => e.accesses).find((a) => a.offset === t.page + 0x770)!;

    p1.call('cow_get', [t.k]);
    const first = readOf(p2.call('cow_get', [t.k], { trace: true }).events); // the last read before phase read
    p1.call('cow_set', [t.k, V]);
    p1.call('cow_get', [t.k]);
    const second = readOf(p2.call('cow_get', [t.k], { trace: true }).events); // the last read before phase write

    expect(first.shared).toBe(states.read[1] === 'S');
    expect(second.shared).toBe(states.write[1] === 'S');
    // The same page-cache frame both times: only who else maps it changed.
    expect(second.frame).toBe(first.frame);
    // The pages table, taken now, agrees with the last moment: p2 alone maps that frame, p1 has its own copy.
    const row = m.pageTable().find((r) => r.module === 'libcowdata.so' && r.offset === t.page)!;
    expect(row.frames[1]).toBe(second.frame);
    expect(row.frames[0]).not.toBe(second.frame);
    expect(row.shared).toBe(second.shared);
    // And the first read still says what was true when it ran (a trace records moments, not the end state).
    expect(first.shared).toBe(true);
  });
});
