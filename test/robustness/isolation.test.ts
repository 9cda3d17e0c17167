// Isolation: 8 processes share libdemo.so and libz (with libc). Writes by one process — through its CPU
// and through the host-side memory API — change no other process's bytes and no page-cache page (which
// must stay equal to the file on disk); writes to text and RELRO fault with SEGV_ACCERR in all 8; peek
// (the REPL's x) never pages in or breaks copy-on-write.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { CallFault } from '../../src/process/errors.ts';
import { Machine } from '../../src/process/machine.ts';
import type { Process, ProcessModule } from '../../src/process/process.ts';
import { PAGE_SIZE, PageFault, PROT_EXEC, PROT_READ, PROT_WRITE, type CachedFile } from '../../src/mm/index.ts';
import { repoRoot } from '../helpers/oracles.ts';
import { MachineBackend } from '../../src/repl/machine-backend.ts';
import { plainPalette } from '../../src/repl/palette.ts';
import { ReplSession } from '../../src/repl/session.ts';

const libdemo = join(repoRoot, 'fixtures', 'libdemo.so');
const libz = '/lib/x86_64-linux-gnu/libz.so.1';
const PROCS = 8;
const SHARED = ['libdemo.so', 'libz.so.1'];

/** Pages of a module's span, with the protections of the VMA each lies in (null: unmapped). */
function pagesOf(p: Process, m: ProcessModule): { va: number; prot: number | null }[] {
  const out: { va: number; prot: number | null }[] = [];
  for (let va = m.base; va < m.base + m.span; va += PAGE_SIZE) out.push({ va, prot: p.space.vmaAt(va)?.prot ?? null });
  return out;
}

/** Every byte every process sees in every loaded module (peek: no fault, no paging in). */
function snapshot(procs: Process[]): Map<string, Uint8Array | null> {
  const out = new Map<string, Uint8Array | null>();
  for (const p of procs) for (const m of p.modules) for (const { va } of pagesOf(p, m)) out.set(`${p.pid}:${m.name}+${(va - m.base).toString(16)}`, p.space.peek(va, PAGE_SIZE));
  return out;
}

/** The page-cache file behind a module's first mapping (mapped by picemu's loader or by the guest's ld.so). */
function fileOf(p: Process, m: ProcessModule): CachedFile {
  return p.space.vmaAt(m.base)!.file!.inode as CachedFile;
}

/** The page cache's pages of the modules' files. */
function cacheSnapshot(procs: Process[]): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  for (const m of procs[0]!.modules) {
    const inode = fileOf(procs[0]!, m);
    for (const [index, frame] of inode.pages) out.set(`${m.path}#${index}`, frame.bytes.slice());
  }
  return out;
}

/** A page of code in the process: `mov [rdi], rsi; ret` (a guest store of the 8 bytes in rsi). */
function storeRoutine(p: Process): number {
  const at = p.space.mmap({ length: PAGE_SIZE, prot: PROT_READ | PROT_EXEC });
  p.space.poke(at, Uint8Array.of(0x48, 0x89, 0x37, 0xc3));
  return at;
}

function relroPages(m: ProcessModule): number[] {
  const r = m.elf.relro;
  if (!r) return [];
  const start = Math.floor((m.base + r.vaddr) / PAGE_SIZE) * PAGE_SIZE;
  const end = Math.floor((m.base + r.vaddr + r.memsz) / PAGE_SIZE) * PAGE_SIZE;
  const out: number[] = [];
  for (let va = start; va < end; va += PAGE_SIZE) out.push(va);
  return out;
}

describe('isolation between 8 processes sharing libdemo.so and libz', () => {
  let machine: Machine;
  let procs: Process[];
  let stores: number[];
  beforeAll(async () => {
    machine = await Machine.create({ seed: 11 });
    procs = Array.from({ length: PROCS }, () => machine.spawn());
    for (const p of procs) {
      p.load(libdemo);
      p.load(libz);
    }
    stores = procs.map(storeRoutine);
  }, 120_000);

  it('the libraries are shared: every process maps their clean file pages to the same frames', () => {
    for (const name of SHARED) {
      const text = procs.map((p) => {
        const m = p.module(name)!;
        const page = pagesOf(p, m).find((x) => x.prot === (PROT_READ | PROT_EXEC))!.va;
        p.space.read(page, 1); // page it in
        return p.space.frameAt(page)!.frame;
      });
      expect(new Set(text).size, name).toBe(1);
    }
  });

  it('writes by one process (fixture functions, guest stores to every writable page, host write and poke) change no other process and no page-cache page', () => {
    const writer = procs[0]!;
    const others = procs.slice(1);
    const before = snapshot(others);
    const cacheBefore = cacheSnapshot(procs);

    // The fixture functions that write their globals.
    writer.call('bump_counter', [41]);
    writer.call('data_array_set', [3, 0x7777]);
    expect(writer.call('get_counter').result).toEqual({ type: 'int', value: 41n });
    let written = 0;
    for (const m of writer.modules) {
      for (const { va, prot } of pagesOf(writer, m)) {
        if (prot === null || !(prot & PROT_WRITE)) continue;
        // Guest store at +0x10, host-side write at +0x20, debugger poke at +0x30.
        writer.call(stores[0]!, [va + 0x10, 0x1122334455667788n]);
        writer.space.write(va + 0x20, Uint8Array.of(0xde, 0xad, 0xbe, 0xef));
        expect(writer.space.poke(va + 0x30, Uint8Array.of(0xca, 0xfe))).toBe(true);
        const seen = writer.space.peek(va, 0x40)!;
        expect([...seen.subarray(0x10, 0x18)]).toEqual([0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]);
        expect([...seen.subarray(0x20, 0x24)]).toEqual([0xde, 0xad, 0xbe, 0xef]);
        expect([...seen.subarray(0x30, 0x32)]).toEqual([0xca, 0xfe]);
        written++;
      }
      // A debugger poke into read-only and text pages too (ptrace's forced write: a private copy).
      for (const { va, prot } of pagesOf(writer, m)) {
        if (prot === null || prot & PROT_WRITE || prot === 0) continue;
        expect(writer.space.poke(va + 0x8, Uint8Array.of(0xcc)), `poke ${m.name}+${(va - m.base).toString(16)}`).toBe(true);
      }
    }
    expect(written).toBeGreaterThan(10);

    const same = (a: Uint8Array | null | undefined, b: Uint8Array | null | undefined) => (a && b ? Buffer.compare(a, b) === 0 : a === b);
    const after = snapshot(others);
    expect(after.size).toBe(before.size);
    expect([...before].filter(([key, bytes]) => !same(after.get(key), bytes)).map(([key]) => key), 'pages changed in other processes').toEqual([]);
    const cacheAfter = cacheSnapshot(procs);
    expect([...cacheBefore].filter(([key, bytes]) => !same(cacheAfter.get(key), bytes)).map(([key]) => key), 'page-cache pages changed').toEqual([]);
    // And the page cache still holds exactly the files' bytes (zero past EOF in the last page).
    for (const m of writer.modules) {
      const file = new Uint8Array(readFileSync(m.path));
      const inode = fileOf(writer, m);
      for (const [index, frame] of inode.pages) {
        const expected = new Uint8Array(PAGE_SIZE);
        expected.set(file.subarray(index * PAGE_SIZE, (index + 1) * PAGE_SIZE));
        expect(Buffer.compare(frame.bytes, expected), `${m.name} page ${index}`).toBe(0);
      }
    }
    for (const p of others) expect(p.call('get_counter').result).toEqual({ type: 'int', value: 0n });
  });

  it('writes to text and RELRO pages fault with SEGV_ACCERR at the written address in all 8 processes (guest and host writes)', () => {
    for (const [i, p] of procs.entries()) {
      for (const name of SHARED) {
        const m = p.module(name)!;
        const text = pagesOf(p, m).filter((x) => x.prot === (PROT_READ | PROT_EXEC)).map((x) => x.va);
        const relro = relroPages(m);
        expect(text.length, name).toBeGreaterThan(0);
        expect(relro.length, `${name} has RELRO`).toBeGreaterThan(0);
        for (const va of [...text, ...relro]) {
          const target = va + 0x18;
          let err: unknown;
          try {
            p.call(stores[i]!, [target, 1n]);
          } catch (e) {
            err = e;
          }
          expect(err, `pid ${p.pid} ${name}+0x${(target - m.base).toString(16)}`).toBeInstanceOf(CallFault);
          const f = err as CallFault;
          expect({ signal: f.fault.signal, code: f.fault.code, siAddr: f.siAddr }).toEqual({ signal: 11, code: 2, siAddr: target });
          expect(() => p.space.write(target, Uint8Array.of(1))).toThrow(PageFault);
        }
      }
    }
  });

  it('peek never pages in, never breaks copy-on-write, never changes a frame (before/after, every page of every process)', () => {
    const frames = () => procs.flatMap((p) => p.modules.flatMap((m) => pagesOf(p, m).map(({ va }) => {
      const f = p.space.frameAt(va);
      return f && `${f.frame}/${f.mapCount}/${f.writable}/${f.dirty}`;
    })));
    const before = frames();
    const live = machine.physical.liveCount;
    for (const p of procs) for (const m of p.modules) for (const { va } of pagesOf(p, m)) p.space.peek(va, PAGE_SIZE);
    expect(frames()).toEqual(before);
    expect(machine.physical.liveCount).toBe(live);
  });

  it("the REPL's x over every page of every module in every process changes no frame (no paging in, no COW break)", async () => {
    const frames = () => procs.flatMap((p) => p.modules.flatMap((m) => pagesOf(p, m).map(({ va }) => {
      const f = p.space.frameAt(va);
      return f && `${f.frame}/${f.mapCount}/${f.writable}/${f.dirty}`;
    })));
    const before = frames();
    const live = machine.physical.liveCount;
    const printed: string[] = [];
    const session = new ReplSession(new MachineBackend(machine), plainPalette, (t) => printed.push(t));
    for (const p of procs) {
      expect(await session.handle(`p ${p.pid}`)).toBe(true);
      for (const m of p.modules) for (const { va } of pagesOf(p, m)) expect(await session.handle(`x 0x${(va + 0x10).toString(16)} 32`)).toBe(true);
    }
    expect(printed.filter((l) => l.startsWith('error')).slice(0, 3)).toEqual([]);
    expect(printed.length).toBeGreaterThan(procs.length * 100);
    expect(frames()).toEqual(before);
    expect(machine.physical.liveCount).toBe(live);
  });
});
