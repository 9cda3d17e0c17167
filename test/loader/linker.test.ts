// The linker's behaviour beyond the oracle comparisons: undefined symbols (traps, weak, errors as ld.so
// words them), DT_NEEDED search with $ORIGIN, version checks, ifuncs, TLS, and what two address spaces
// share after loading the same library.
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Linker, LoadError, loadIntoFreshSpaces, TRAP_BASE } from '../../src/loader/index.ts';
import { AddressSpace, createSharedMemory, PageFault } from '../../src/mm/index.ts';
import { buildCHelper, hasCc, repoRoot } from '../helpers/oracles.ts';
import { parseElf } from '../../src/elf/index.ts';

const available = hasCc();
const dir = join(tmpdir(), `picemu-linker-${process.pid}`);

function cc(out: string, source: string, ...flags: string[]): string {
  const src = join(dir, out.replace(/\.so.*$/, '') + '.c');
  writeFileSync(src, source);
  const path = join(dir, out);
  execFileSync('cc', ['-shared', '-fPIC', '-O1', '-o', path, src, ...flags], { cwd: dir });
  return path;
}

function nativeError(lib: string): string {
  try {
    execFileSync(buildCHelper('dlopen_maps', ['-ldl']), [lib], { encoding: 'utf8' });
    return '';
  } catch (e) {
    return String((e as { stdout?: string }).stdout ?? '').replace(/^error: /, '').trim();
  }
}

const libs: Record<string, string> = {};
beforeAll(() => {
  if (!available) return;
  mkdirSync(join(dir, 'sub'), { recursive: true });
  libs.undFn = cc('libundfn.so', 'extern int missing_fn(void);\nint use(void) { return missing_fn(); }\n');
  libs.undData = cc('libunddata.so', 'extern int missing_data;\nint use(void) { return missing_data; }\n');
  libs.weak = cc('libweak.so', 'extern int maybe(void) __attribute__((weak));\nint use(void) { return maybe ? maybe() : -1; }\n');
  // libdep in sub/, found through $ORIGIN: once as DT_RUNPATH (the default), once as DT_RPATH.
  libs.dep = cc('sub/libdep.so', 'int dep_value = 42;\nint dep(void) { return dep_value; }\n', '-Wl,-soname,libdep.so');
  libs.runpath = cc('librunpath.so', 'extern int dep(void);\nint top(void) { return dep(); }\n', '-Lsub', '-ldep', "-Wl,-rpath,$ORIGIN/sub", '-Wl,--enable-new-dtags');
  libs.rpath = cc('librpath.so', 'extern int dep(void);\nint top(void) { return dep(); }\n', '-Lsub', '-ldep', "-Wl,-rpath,$ORIGIN/sub", '-Wl,--disable-new-dtags');
  // A dependency that lacks the version its user was linked against.
  writeFileSync(join(dir, 'v2.map'), 'VERS_2 { global: vfun; local: *; };\n');
  cc('sub/libver.so', 'int vfun(void) { return 2; }\n', '-Wl,-soname,libver.so', '-Wl,--version-script=v2.map');
  libs.needsVer = cc('libneedsver.so', 'extern int vfun(void);\nint call(void) { return vfun(); }\n', '-Lsub', '-lver', "-Wl,-rpath,$ORIGIN/sub");
  libs.verUser = libs.needsVer;
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function fresh() {
  const memory = createSharedMemory();
  const space = new AddressSpace({ ...memory });
  return { memory, space };
}

describe.skipIf(!available)('undefined symbols', () => {
  it('an undefined function binds to a trap address that names it', () => {
    const { space } = fresh();
    const linker = new Linker(space);
    const { root } = linker.load(libs.undFn);
    const slot = root.relocations.find((r) => r.symbol === 'missing_fn')!;
    expect(slot.type).toBe('R_X86_64_JUMP_SLOT');
    expect(slot.definedIn).toBe('trap');
    expect(Number(slot.value)).toBeGreaterThanOrEqual(TRAP_BASE);
    expect(linker.traps.message(Number(slot.value))).toBe('unresolved symbol missing_fn (needed by libundfn.so)');
    expect(() => space.frameFor(Number(slot.value), 'fetch')).toThrow(PageFault); // never mapped
  });

  it('an undefined object fails the load with the message ld.so gives', () => {
    const { space } = fresh();
    let message = '';
    try {
      new Linker(space).load(libs.undData);
    } catch (e) {
      expect(e).toBeInstanceOf(LoadError);
      message = (e as Error).message;
    }
    expect(message).toBe(nativeError(libs.undData));
    expect(message).toBe(`${libs.undData}: undefined symbol: missing_data`);
    expect(space.mappings()).toEqual([]); // a failed dlopen leaves nothing mapped
  });

  it('an undefined weak symbol resolves to 0', () => {
    const { space } = fresh();
    const { root } = new Linker(space).load(libs.weak);
    const r = root.relocations.find((x) => x.symbol === 'maybe')!;
    expect(r.value).toBe(0n);
    expect(r.definedIn).toBe('weak-undefined');
  });
});

describe.skipIf(!available)('DT_NEEDED search', () => {
  it.each(['runpath', 'rpath'])('finds a dependency through $ORIGIN in DT_%s', (kind) => {
    const { space } = fresh();
    const { loaded } = new Linker(space).load(libs[kind]);
    expect(loaded.map((m) => m.name)).toEqual([`lib${kind}.so`, 'libdep.so']);
    const top = loaded[0];
    const r = top.relocations.find((x) => x.symbol === 'dep')!;
    expect(r.definedIn).toBe('libdep.so');
  });

  it('reports a missing version as ld.so does', () => {
    // Replace libver.so by a build with another version after linking the user against VERS_2.
    writeFileSync(join(dir, 'v1.map'), 'VERS_1 { global: vfun; local: *; };\n');
    cc('sub/libver.so', 'int vfun(void) { return 1; }\n', '-Wl,-soname,libver.so', '-Wl,--version-script=v1.map');
    const { space } = fresh();
    let message = '';
    try {
      new Linker(space).load(libs.verUser);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message).toBe(`${join(dir, 'sub', 'libver.so')}: version \`VERS_2' not found (required by ${libs.verUser})`);
    expect(message).toBe(nativeError(libs.verUser));
  });

  it('returns an already loaded module instead of mapping it again', () => {
    const { space } = fresh();
    const linker = new Linker(space);
    linker.load(libs.runpath);
    const again = linker.load(libs.runpath);
    expect(again.loaded).toEqual([]);
    expect(linker.load('libc.so.6').root.name).toBe('libc.so.6');
    expect(linker.modules).toHaveLength(4);
  });
});

describe('ifuncs and TLS', () => {
  const userLib = join(repoRoot, 'fixtures', 'liblibc-user.so');
  const tlsLib = join(repoRoot, 'fixtures', 'libtls.so');

  it('without a resolver, ifunc relocations are pending; with one, they are written before RELRO', () => {
    const { space } = fresh();
    const pendingRun = new Linker(space).load(userLib);
    const strlen = pendingRun.pendingIfuncs.find((p) => p.symbol === 'strlen')!;
    expect(strlen.module.name).toBe('liblibc-user.so');
    expect(pendingRun.pendingIfuncs.filter((p) => p.type === 'R_X86_64_IRELATIVE').length).toBeGreaterThan(0);

    const other = fresh();
    const seen: number[] = [];
    const linker = new Linker(other.space, { resolveIfunc: (resolver) => (seen.push(resolver), 0x1234n) });
    const result = linker.load(userLib);
    expect(result.pendingIfuncs).toEqual([]);
    const root = result.root;
    const r = root.relocations.find((x) => x.symbol === 'strlen')!;
    expect(r.value).toBe(0x1234n);
    expect(seen).toContain(linker.lookup('strlen')!.address); // the resolver is strlen's IFUNC symbol in libc
  });

  it('completeIfunc writes a pending slot even under RELRO', () => {
    const { space } = fresh();
    const linker = new Linker(space);
    const result = linker.load(userLib);
    for (const p of result.pendingIfuncs) linker.completeIfunc(p, 0x4242n);
    const strlen = result.pendingIfuncs.find((p) => p.symbol === 'strlen')!;
    expect(space.readU64(strlen.slot)).toBe(0x4242n);
  });

  it('TLS relocations use the module id and static offset given by the caller', () => {
    const { space } = fresh();
    const linker = new Linker(space, { assignTls: (m) => ({ modid: 7, tpOffset: 0x100 }) });
    const { root } = linker.load(tlsLib);
    expect(root.tls).toMatchObject({ modid: 7, tpOffset: 0x100 });
    const mod = root.relocations.find((r) => r.type === 'R_X86_64_DTPMOD64')!;
    expect(mod.value).toBe(7n);
    const tp = root.relocations.find((r) => r.type === 'R_X86_64_TPOFF64')!;
    const sym = root.dynamicSymbols.find((s) => s.name === tp.symbol)!;
    expect(tp.value).toBe(BigInt.asUintN(64, BigInt(sym.value) - 0x100n));
  });
});

describe('two address spaces', () => {
  it('share code frames and the page cache, and get private relocated pages', () => {
    const lib = join(repoRoot, 'fixtures', 'libdemo.so');
    const { memory, spaces } = loadIntoFreshSpaces(lib, { procs: 1 });
    const read = memory.pageCache.pagesRead;
    const second = loadIntoFreshSpaces(lib, { procs: 1, memory, seed: 99 }).spaces[0];
    expect(memory.pageCache.pagesRead).toBe(read); // no file page read twice
    const [a, b] = [spaces[0], second];
    const ma = a.result.root;
    const mb = b.result.root;
    expect(ma.base).not.toBe(mb.base);
    const text = ma.elf.loads.find((p) => p.flags & 1)!;
    a.space.frameFor(ma.base + text.vaddr, 'fetch');
    b.space.frameFor(mb.base + text.vaddr, 'fetch');
    expect(a.space.frameNumber(ma.base + text.vaddr)).toBe(b.space.frameNumber(mb.base + text.vaddr));
    const got = ma.relocations.find((r) => r.type === 'R_X86_64_GLOB_DAT')!;
    const gotB = got.slot - ma.base + mb.base;
    expect(a.space.frameAt(got.slot)).toMatchObject({ kind: 'anon', dirty: true, mapCount: 1 });
    expect(a.space.frameNumber(got.slot)).not.toBe(b.space.frameNumber(gotB));
  });
});

describe('search order', () => {
  it('uses DT_RPATH up the requester chain unless the requester has DT_RUNPATH, then LD_LIBRARY_PATH, DT_RUNPATH, system dirs', async () => {
    const { searchDirectories } = await import('../../src/loader/index.ts');
    const top = { openedAs: '/a/libtop.so', rpath: '$ORIGIN/r1' };
    const mid = { openedAs: '/b/libmid.so', runpath: '/run', rpath: '/ignored', requestedBy: top };
    const leaf = { openedAs: '/c/libleaf.so', rpath: '${ORIGIN}/r2:$LIB', requestedBy: mid };
    const dirs = (r: Parameters<typeof searchDirectories>[0]) => searchDirectories(r, { libraryPath: ['/llp'], systemDirs: ['/sys'] }).map((d) => `${d.from} ${d.dir}`);
    expect(dirs(leaf)).toEqual(['RPATH /c/r2', 'RPATH lib/x86_64-linux-gnu', 'RPATH /a/r1', 'LD_LIBRARY_PATH /llp', 'system /sys']);
    expect(dirs(mid)).toEqual(['LD_LIBRARY_PATH /llp', 'RUNPATH /run', 'system /sys']);
    expect(dirs(undefined)).toEqual(['LD_LIBRARY_PATH /llp', 'system /sys']);
  });
});

describe('files ld.so would crash on or refuse: typed errors', () => {
  const scratch = join(tmpdir(), `picemu-linker-bad-${process.pid}`);
  beforeAll(() => mkdirSync(scratch, { recursive: true }));
  afterAll(() => rmSync(scratch, { recursive: true, force: true }));

  /** libdemo.so with its writable PT_LOAD's p_memsz set to `memsz`. */
  function libdemoWithBss(memsz: number): string {
    const src = join(repoRoot, 'fixtures', 'libdemo.so');
    const bytes = new Uint8Array(readFileSync(src));
    const rw = parseElf(bytes, src).loads.find((p) => p.flags & 2)!;
    new DataView(bytes.buffer).setBigUint64(rw.entryOffset + 40, BigInt(memsz), true);
    const path = join(scratch, `libdemo-${memsz}.so`);
    writeFileSync(path, bytes);
    return path;
  }

  it('a relocation whose r_offset lies in a read-only page: a LoadError naming the module, the type and r_offset', () => {
    // libcounter.so with one GLOB_DAT's r_offset moved from 0x3fe0 (.got) to 0x1000 (.init, r-x): native ld.so segfaults.
    const lib = join(repoRoot, 'fixtures', 'bad-elf', 'libcounter-s1-i1455.so');
    const space = new AddressSpace({ ...createSharedMemory(), mmapBase: 0x7f0000000000 });
    const linker = new Linker(space);
    expect(() => linker.load(lib)).toThrow(LoadError);
    expect(() => linker.load(lib)).toThrow(/libcounter-s1-i1455\.so: R_X86_64_GLOB_DAT at 0x1000 writes a read-only page$/);
    // Nothing is left behind.
    expect(linker.modules).toEqual([]);
    expect(space.mappings()).toEqual([]);
  });

  it('a .bss past the memory limit: "cannot map zero-fill pages", as native dlopen says, and nothing mapped', () => {
    const lib = libdemoWithBss(2 ** 40);
    const space = new AddressSpace({ ...createSharedMemory(), mmapBase: 0x7f0000000000 });
    expect(() => new Linker(space).load(lib)).toThrow(LoadError);
    expect(() => new Linker(space).load(lib)).toThrow(`${lib}: cannot map zero-fill pages (ENOMEM`);
    expect(space.mappings()).toEqual([]);
  });

  it('a .bss under the limit loads and costs nothing until touched', () => {
    const lib = libdemoWithBss(64 * 1024 * 1024);
    const mem = createSharedMemory();
    const space = new AddressSpace({ ...mem, mmapBase: 0x7f0000000000 });
    const before = mem.physical.liveCount;
    new Linker(space).load(lib);
    expect(space.committed()).toBeGreaterThanOrEqual(64 * 1024 * 1024);
    expect(mem.physical.liveCount - before).toBeLessThan(64);
  });
});
