// smaps figures for two emulated processes against the kernel's for two native processes that dlopen the
// same library and call the same function (test/helpers/c/dlopen_smaps.c): Shared_Clean of the code page,
// Private_Dirty of the data pages, and the results of the calls.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { resultText } from '../../src/process/call-args.ts';
import { buildCHelper, hasCc, repoRoot } from '../helpers/oracles.ts';


interface KernelVma { start: number; end: number; perms: string; offset: number; path: string; kb: Record<string, number> }
interface KernelChild { results: string[]; vmas: KernelVma[] }

function kernelSmaps(lib: string, symbol: string, calls: number): KernelChild[] {
  const exe = buildCHelper('dlopen_smaps', ['-ldl']);
  const out = execFileSync(exe, [lib, symbol, String(calls)], { encoding: 'utf8' });
  const children: KernelChild[] = [];
  let child: KernelChild | undefined;
  let vma: KernelVma | undefined;
  for (const line of out.split('\n')) {
    let m: RegExpExecArray | null;
    if (/^child /.test(line)) children.push((child = { results: [], vmas: [] }));
    else if ((m = /^result (-?\d+)$/.exec(line))) child!.results.push(m[1]!);
    else if ((m = /^vma ([0-9a-f]+)-([0-9a-f]+) (\S+) ([0-9a-f]+) ?(.*)$/.exec(line))) {
      child!.vmas.push((vma = { start: parseInt(m[1]!, 16), end: parseInt(m[2]!, 16), perms: m[3]!, offset: parseInt(m[4]!, 16), path: m[5]!, kb: {} }));
    } else if ((m = /^(\w+):\s+(\d+) kB$/.exec(line)) && vma) vma.kb[m[1]!] = Number(m[2]);
  }
  return children;
}

describe.skipIf(!hasCc())('smaps of two processes vs the kernel', () => {
  it.each([
    ['libcounter.so', 'really_really_nonreentrant'],
    ['libdemo.so', 'sum_vec_data'],
  ])('%s after 3 calls of %s in each of two processes', async (name, SYMBOL) => {
    const lib = `${repoRoot}/fixtures/${name}`;
    const kernel = kernelSmaps(lib, SYMBOL, 3);
    expect(kernel).toHaveLength(2);
    const m = await Machine.create({ seed: 11 });
    const ps = [m.spawn(), m.spawn()];
    for (const p of ps) p.load(lib);
    for (let k = 0; k < 3; k++) for (const [n, p] of ps.entries()) expect(resultText(p.call(SYMBOL).result)).toBe(kernel[n]!.results[k]);

    ps.forEach((p, n) => {
      const base = p.baseOf(name)!;
      const native = kernel[n]!.vmas.filter((v) => v.path.endsWith(`/${name}`));
      const nativeBase = native[0]!.start;
      const ours = p.smaps().filter((e) => e.vma.file?.identity.path === native[0]!.path);
      // The same VMAs, relative to the base (RELRO split included).
      expect(ours.map((e) => [e.vma.start - base, e.vma.end - base, e.header.split(' ')[1]])).toEqual(native.map((v) => [v.start - nativeBase, v.end - nativeBase, v.perms]));
      const kb = (bytes: number): number => bytes / 1024;
      native.forEach((v, k) => {
        const f = ours[k]!.figures;
        const what = `${v.perms} at +0x${(v.start - nativeBase).toString(16)}`;
        if (v.perms === 'r-xp') {
          expect(kb(f.sharedClean), `Shared_Clean of ${what}`).toBe(v.kb.Shared_Clean);
          expect(kb(f.privateDirty), `Private_Dirty of ${what}`).toBe(v.kb.Private_Dirty);
        }
        if (v.perms === 'rw-p' || (v.perms === 'r--p' && v.kb.Private_Dirty! > 0)) {
          expect(kb(f.privateDirty), `Private_Dirty of ${what}`).toBe(v.kb.Private_Dirty);
          expect(kb(f.sharedClean), `Shared_Clean of ${what}`).toBe(v.kb.Shared_Clean);
        }
      });
    });
  });
});
