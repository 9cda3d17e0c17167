// picemu's maps for a library against the kernel's after a native dlopen(RTLD_NOW): the VMAs inside the
// library's span (its file mappings, the RELRO split, holes and the anonymous bss) must be equal,
// relative to the base.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadIntoFreshSpaces } from '../../src/loader/index.ts';
import { PAGE_SIZE, pageAlignUp } from '../../src/mm/index.ts';
import { buildCHelper, hasCc, repoRoot } from '../helpers/oracles.ts';

const available = hasCc();
const systemLibraries = ['libz.so.1', 'libbz2.so.1.0', 'libexpat.so.1', 'libsqlite3.so.0', 'libm.so.6', 'libc.so.6'].map(
  (n) => `/usr/lib/x86_64-linux-gnu/${n}`,
);
const fixtures = readdirSync(join(repoRoot, 'fixtures'))
  .filter((f) => f.endsWith('.so'))
  .map((f) => join(repoRoot, 'fixtures', f));

// Layouts the fixtures do not have, built at test time: 2 MiB p_align (glibc over-reserves and trims),
// gaps between segments (PROT_NONE holes), two segments without RELRO, and a large anonymous bss.
const variantSource = `
char big[1 << 20];
int counter = 5;
const char msg[] = "hello";
int touch(int i) { big[i] = 1; return big[i] + counter + msg[0]; }
`;
const variants: [string, string[]][] = [
  ['libalign2m', ['-Wl,-z,max-page-size=0x200000', '-Wl,-z,common-page-size=0x200000']],
  ['libgap64k', ['-Wl,-z,max-page-size=0x10000']],
  ['libnosep', ['-Wl,-z,noseparate-code', '-Wl,-z,norelro']],
  ['libbigbss', []],
];
function buildVariants(): string[] {
  const dir = join(tmpdir(), `picemu-loader-variants-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const src = join(dir, 'variant.c');
  writeFileSync(src, variantSource);
  return variants.map(([name, flags]) => {
    const out = join(dir, `${name}.so`);
    execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', out, src, ...flags]);
    return out;
  });
}

interface Line {
  start: number;
  end: number;
  rest: string;
}

function parseMaps(text: string): Line[] {
  return text
    .split('\n')
    .filter((l) => /^[0-9a-f]+-[0-9a-f]+ /.test(l))
    .map((l) => {
      const m = /^([0-9a-f]+)-([0-9a-f]+)( .*)$/.exec(l)!;
      return { start: parseInt(m[1], 16), end: parseInt(m[2], 16), rest: m[3] };
    });
}

/** The lines inside [start, end), clipped to it (a neighbour the kernel merged with the bss is not the library's), rebased to `start`. */
function spanLines(lines: Line[], start: number, end: number): string[] {
  return lines
    .filter((l) => l.end > start && l.start < end)
    .map((l) => `${(Math.max(l.start, start) - start).toString(16)}-${(Math.min(l.end, end) - start).toString(16)}${l.rest}`);
}

function nativeSpan(lib: string): string[] {
  const out = execFileSync(buildCHelper('dlopen_maps', ['-ldl']), [lib], { encoding: 'utf8' });
  const lines = parseMaps(out);
  const path = realpathSync(lib);
  const own = lines.filter((l) => l.rest.endsWith(' ' + path));
  if (own.length === 0) throw new Error(`${lib} is not in the helper's maps:\n${out}`);
  // The span is where ld.so's first mapping started, through round_page(last p_vaddr + p_memsz).
  const { spaces } = loadIntoFreshSpaces(lib, { procs: 1 });
  const m = spaces[0].result.root;
  const start = own[0].start;
  return spanLines(lines, start, start + pageAlignUp(m.mapEnd - m.mapStart));
}

function picemuSpan(lib: string): string[] {
  const { spaces } = loadIntoFreshSpaces(lib, { procs: 1 });
  const m = spaces[0].result.root;
  return spanLines(parseMaps(spaces[0].space.maps()), m.mapStart, pageAlignUp(m.mapEnd));
}

describe.skipIf(!available)('picemu maps equals the kernel after dlopen(RTLD_NOW)', () => {
  for (const lib of [...systemLibraries, ...fixtures, ...(available ? buildVariants() : [])]) {
    it(lib.replace(repoRoot + '/', '').replace(/.*picemu-loader-variants-\d+\//, 'built: '), () => {
      const ours = picemuSpan(lib);
      expect(ours.length).toBeGreaterThan(0);
      expect(ours).toEqual(nativeSpan(lib));
    });
  }

  it('the page size matches the kernel', () => {
    expect(PAGE_SIZE).toBe(Number(execFileSync('getconf', ['PAGESIZE'], { encoding: 'utf8' }).trim()));
  });
});
