// A library opened by the guest's dlopen is placed by the real ld.so's mmap calls through picemu's kernel: its
// VMAs (file mappings, the RELRO split, holes, the anonymous bss) equal the kernel's after a native
// dlopen(RTLD_NOW) of the same file, relative to the base, in each of two processes.
import { execFileSync } from 'node:child_process';
import { realpathSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { elfOf, loadSpan } from '../../src/process/link-map.ts';
import { buildCHelper, hasCc } from '../helpers/oracles.ts';

const LIBRARIES = ['libz.so.1', 'libsqlite3.so.0', 'libstdc++.so.6'].map((n) => `/usr/lib/x86_64-linux-gnu/${n}`);

/** maps lines inside [start, start + span), clipped to it and rebased to start. */
function spanLines(maps: string, start: number, span: number): string[] {
  const out: string[] = [];
  for (const line of maps.split('\n')) {
    const m = /^([0-9a-f]+)-([0-9a-f]+)( .*)$/.exec(line);
    if (!m) continue;
    const [s, e] = [parseInt(m[1]!, 16), parseInt(m[2]!, 16)];
    if (e <= start || s >= start + span) continue;
    out.push(`${(Math.max(s, start) - start).toString(16)}-${(Math.min(e, start + span) - start).toString(16)}${m[3]!.trimEnd()}`);
  }
  return out;
}

function nativeLines(lib: string): string[] {
  const maps = execFileSync(buildCHelper('dlopen_maps', ['-ldl']), [lib], { encoding: 'utf8' });
  const path = realpathSync(lib);
  const first = maps.split('\n').find((l) => l.endsWith(' ' + path));
  if (!first) throw new Error(`${lib} is not in the native maps`);
  return spanLines(maps, parseInt(first, 16), loadSpan(elfOf(path)));
}

describe.skipIf(!hasCc())('maps of a library the guest dlopen placed', () => {
  let machine: Machine | undefined;
  it.each(LIBRARIES)('%s equals the kernel after a native dlopen', async (lib) => {
    const native = nativeLines(lib);
    const m = (machine ??= await Machine.create());
    const ps = [m.spawn(), m.spawn()];
    const bases = ps.map((p) => p.load(lib).module.base);
    expect(bases[0]).not.toBe(bases[1]);
    ps.forEach((p, k) => {
      const mod = p.modules.find((x) => x.base === bases[k])!;
      expect(spanLines(p.maps(), mod.base, mod.span), `process ${p.pid}`).toEqual(native);
    });
  }, 60_000);
});
