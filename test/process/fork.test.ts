// Process.fork() (and AddressSpace.fork(), mm/fork.ts) against the kernel's fork: test/helpers/c/fork_smaps.c
// dlopens a library, calls into it, forks, and prints, for parent and child at each phase, the library's VMAs
// with which pages are present and shared (pagemap) and their smaps figures. picemu does the same with
// Process.fork(): the same results, the same pages present, shared or private, and the same figures, in both
// processes, at every phase.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import type { AddressSpace } from '../../src/mm/address-space.ts';
import { Machine } from '../../src/process/machine.ts';
import { resultText } from '../../src/process/call-args.ts';
import { buildCHelper, hasCc, repoRoot } from '../helpers/oracles.ts';

const FIELDS = ['Rss', 'Pss', 'Pss_Dirty', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty', 'Anonymous'];

interface VmaView { vma: string; pages: string; kb: Record<string, number> }
type PhaseView = Record<'parent' | 'child', VmaView[]>;

function nativeRun(lib: string, symbol: string, calls: number): { results: string[]; phases: Map<string, PhaseView> } {
  const out = execFileSync(buildCHelper('fork_smaps', ['-ldl']), [lib, symbol, String(calls)], { encoding: 'utf8' });
  const results: string[] = [];
  const phases = new Map<string, PhaseView>();
  let phase: PhaseView | undefined;
  let list: VmaView[] | undefined;
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if ((m = /^result (\w+) (-?\d+)$/.exec(line))) results.push(`${m[1]} ${m[2]}`);
    else if ((m = /^phase (\S+)$/.exec(line))) phases.set(m[1]!, (phase = { parent: [], child: [] }));
    else if ((m = /^proc (parent|child)$/.exec(line))) list = phase![m[1] as 'parent' | 'child'];
    else if ((m = /^vma (.*)$/.exec(line))) list!.push({ vma: m[1]!, pages: '', kb: {} });
    else if ((m = /^pages (.*)$/.exec(line))) list![list!.length - 1]!.pages = m[1]!;
    else if ((m = /^(\w+):\s+(\d+) kB$/.exec(line)) && FIELDS.includes(m[1]!)) list![list!.length - 1]!.kb[m[1]!] = Number(m[2]);
  }
  return { results, phases };
}

/** The library's VMAs in `space` as the helper prints them. */
function view(space: AddressSpace, path: string, base: number): VmaView[] {
  return space.smaps().filter((e) => e.vma.file?.identity.path === path).map((e) => {
    const perms = e.header.split(' ')[1]!;
    let pages = '';
    for (let va = e.vma.start; va < e.vma.end; va += 4096) {
      const info = space.frameAt(va);
      pages += !info ? '.' : info.mapCount > 1 ? 'S' : 'P';
    }
    const f = e.figures;
    const kb = {
      Rss: f.rss, Pss: f.pss, Pss_Dirty: f.pssDirty, Shared_Clean: f.sharedClean, Shared_Dirty: f.sharedDirty,
      Private_Clean: f.privateClean, Private_Dirty: f.privateDirty, Anonymous: f.anonymous,
    };
    return { vma: `+${(e.vma.start - base).toString(16)} +${(e.vma.end - base).toString(16)} ${perms}`, pages, kb: Object.fromEntries(Object.entries(kb).map(([k, v]) => [k, v / 1024])) };
  });
}

describe.skipIf(!hasCc())('fork: copy-on-write as the kernel does it', () => {
  it('libcounter.so: what fork shares, and what each process\'s write makes private', async () => {
    const name = 'libcounter.so';
    const SYMBOL = 'really_really_nonreentrant';
    const lib = `${repoRoot}/fixtures/${name}`;
    const native = nativeRun(lib, SYMBOL, 2);
    const m = await Machine.create({ seed: 5 });
    const p = m.spawn();
    p.load(lib);
    const results: string[] = [];
    for (let k = 0; k < 2; k++) results.push(`parent ${resultText(p.call(SYMBOL).result)}`);
    const path = p.space.mappings().find((v) => v.file?.identity.path.endsWith(`/${name}`))!.file!.identity.path;
    const base = p.baseOf(name)!;
    const child = p.fork();
    expect(child.pid).toBe(2);
    expect(child.baseOf(name)).toBe(base);
    const phases = new Map<string, PhaseView>();
    const snap = (phase: string) => phases.set(phase, { parent: view(p.space, path, base), child: view(child.space, path, base) });
    snap('fork');
    results.push(`parent ${resultText(p.call(SYMBOL).result)}`);
    snap('parent-call');
    results.push(`child ${resultText(child.call(SYMBOL).result)}`);
    snap('child-call');

    expect(results).toEqual(native.results);
    for (const [phase, nat] of native.phases) {
      expect(phases.get(phase), phase).toEqual(nat);
    }
    // Each goes on counting on its own page.
    expect([resultText(p.call(SYMBOL).result), resultText(child.call(SYMBOL).result)]).toEqual(['3', '3']);
  });
});
