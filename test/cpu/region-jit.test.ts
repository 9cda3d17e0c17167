// The WebAssembly region compiler: the emitter's encodings (checked by V8 executing them), and compiled loops that
// give the native build's results, the interpreter's instruction counts, and the interpreter's faults (RIP, address).
import { describe, expect, it } from 'vitest';
import { ModuleBuilder, Op, sleb, uleb, ValType } from '../../src/cpu/compile/wasm-emitter.ts';
import type { Cpu } from '../../src/cpu/cpu.ts';
import { FrameHeap, frameHeap } from '../../src/mm/frame-heap.ts';
import { PhysicalMemory } from '../../src/mm/physical.ts';
import { hasToolchain } from './host-exec.ts';
import { call, compileImage, DATA_ADDR, machine, runNative } from './compiled-c.ts';

describe('wasm emitter', () => {
  it('encodes LEB128 as the WebAssembly spec examples do', () => {
    const u: number[] = [];
    uleb(u, 624485);
    expect(u).toEqual([0xe5, 0x8e, 0x26]);
    const s: number[] = [];
    sleb(s, -123456n);
    expect(s).toEqual([0xc0, 0xbb, 0x78]);
    const big: number[] = [];
    sleb(big, -(1n << 63n));
    expect(big).toEqual([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x7f]);
  });

  it('builds modules V8 validates and runs: i64 arithmetic, a loop, memory', () => {
    const mod = new ModuleBuilder();
    mod.importMemory('m', 'memory', 1, 1);
    // f(a, b) = ((a * b) ^ (a >> 3)) + rotl(b, 13), stored at 8 and returned.
    const f = mod.function([ValType.i64, ValType.i64], [ValType.i64]);
    const t = f.local(ValType.i64);
    f.get(0).get(1).op(Op.i64_mul).get(0).i64(3).op(Op.i64_shr_s).op(Op.i64_xor).get(1).i64(13).op(Op.i64_rotl).op(Op.i64_add).set(t);
    f.i32(8).get(t).mem(Op.i64_store, 0, 3);
    f.i32(0).mem(Op.i64_load, 8, 3);
    mod.export('f', f);
    // sum(n) = 1 + 2 + ... + n with a loop and br_if.
    const g = mod.function([ValType.i32], [ValType.i64]);
    const acc = g.local(ValType.i64);
    g.block().loop();
    g.get(0).op(Op.i32_eqz).brIf(1);
    g.get(acc).get(0).op(Op.i64_extend_i32_u).op(Op.i64_add).set(acc);
    g.get(0).i32(1).op(Op.i32_sub).set(0).br(0);
    g.end().end();
    g.get(acc);
    mod.export('sum', g);
    const bytes = mod.bytes();
    expect(WebAssembly.validate(bytes)).toBe(true);
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 1 });
    const ex = new WebAssembly.Instance(new WebAssembly.Module(bytes), { m: { memory } }).exports as { f: (a: bigint, b: bigint) => bigint; sum: (n: number) => bigint };
    const rotl = (x: bigint, n: bigint) => BigInt.asUintN(64, (x << n) | (x >> (64n - n)));
    for (const [a, b] of [[3n, 5n], [-7n, 0x123456789abcdefn], [(1n << 63n) - 1n, -1n]]) {
      const ua = BigInt.asUintN(64, a), ub = BigInt.asUintN(64, b);
      const want = BigInt.asIntN(64, ((ua * ub) ^ BigInt.asUintN(64, a >> 3n)) + rotl(ub, 13n));
      expect(ex.f(a, b)).toBe(want);
      expect(new BigInt64Array(memory.buffer, 8, 1)[0]).toBe(want);
    }
    expect(ex.sum(1000)).toBe(500500n);
  });
});

describe('frame heap', () => {
  it('hands out zeroed 4 KiB slots, reuses freed ones zeroed, and reports when full', () => {
    const heap = new FrameHeap(1); // 64 KiB: 16 slots
    const slots = Array.from({ length: 16 }, () => heap.allocate());
    expect(new Set(slots).size).toBe(16);
    expect(slots.every((a) => a % 4096 === 0 && a >= 0 && a < 65536)).toBe(true);
    expect(heap.allocate()).toBe(-1);
    heap.heap().fill(0xab, slots[3], slots[3] + 4096);
    heap.free(slots[3]);
    const again = heap.allocate();
    expect(again).toBe(slots[3]);
    expect(heap.heap().subarray(again, again + 4096).every((b) => b === 0)).toBe(true);
  });

  it('holds PhysicalMemory frames, and takes a slot back when its frame is freed', () => {
    const physical = new PhysicalMemory();
    const frame = physical.allocate();
    expect(frame.bytes.buffer).toBe(frameHeap().memory.buffer);
    frame.bytes[5] = 7;
    physical.retain(frame);
    const copy = physical.copyOf(frame);
    expect(copy.bytes[5]).toBe(7);
    expect(copy.bytes.byteOffset).not.toBe(frame.bytes.byteOffset);
    const at = frame.bytes.byteOffset;
    physical.release(frame); // mapped nowhere: freed, its slot back in the heap
    const next = physical.allocate();
    expect(next.bytes.byteOffset).toBe(at);
    expect(next.bytes[5]).toBe(0);
  });
});

const SOURCE = String.raw`
typedef unsigned long u64; typedef unsigned int u32; typedef unsigned char u8;
u32 crc32_bitwise(const u8 *p, u64 n) {
  u32 c = 0xffffffff;
  for (u64 i = 0; i < n; i++) { c ^= p[i]; for (int k = 0; k < 8; k++) c = (c >> 1) ^ (0xedb88320 & -(c & 1)); }
  return ~c;
}
void byte_copy(u8 *d, const u8 *s, u64 n) { for (u64 i = 0; i < n; i++) d[i] = s[i]; }
u64 sum_bytes(const u8 *p, u64 n) { u64 s = 0; for (u64 i = 0; i < n; i++) s += p[i] * (i & 7); return s; }
long count_signed(const int *a, long n) { long c = 0; for (long i = 0; i < n; i++) c += a[i] < 0 ? 3 : (a[i] > 100 ? -1 : 1); return c; }
u64 str_len(const char *s) { u64 n = 0; while (s[n]) n++; return n; }
`;
const N = 40000;
const fill = (i: number) => (i * 131 + 7) & 0xff;
const NATIVE_MAIN = `
static unsigned char buf[${N}], dst[${N}];
int main(void) {
  for (int i = 0; i < ${N}; i++) buf[i] = (i * 131 + 7) & 0xff;
  byte_copy(dst, buf, ${N});
  printf("%u\\n", crc32_bitwise(buf, ${N}));
  printf("%u\\n", crc32_bitwise(dst, ${N}));
  printf("%lu\\n", sum_bytes(buf, ${N}));
  printf("%ld\\n", count_signed((const int *)buf, ${N / 4}));
  return 0;
}`;

interface Run {
  results: bigint[];
  counts: number[];
  cpu: Cpu;
}

describe.skipIf(!hasToolchain())('region compiler vs native and the interpreter', () => {
  for (const flags of [['-O2'], ['-O1'], ['-O3']]) {
    it(`${flags.join(' ')}: results as native; instruction counts and faults as the interpreter`, { timeout: 120_000 }, () => {
      const image = compileImage(SOURCE, flags);
      const expected = runNative(SOURCE, NATIVE_MAIN, flags).trim().split('\n').map((l) => BigInt(l));
      const sym = (n: string) => image.symbols.get(n)!;
      const run = (jit: 'off' | 'auto' | 'always'): Run => {
        const { cpu, mem } = machine(image, undefined, jit);
        mem.load(DATA_ADDR, new Uint8Array(N).map((_, i) => fill(i)));
        const results: bigint[] = [];
        const counts: number[] = [];
        const go = (fn: string, args: number[]) => {
          const r = call(cpu, sym(fn), args);
          expect(r.out.kind).toBe('until');
          counts.push(r.out.executed);
          return r.rax;
        };
        // Twice each, so 'auto' runs hot regions on the second call.
        for (let rep = 0; rep < 2; rep++) {
          go('byte_copy', [DATA_ADDR + 0x80000, DATA_ADDR, N]);
          results.splice(0, results.length);
          results.push(go('crc32_bitwise', [DATA_ADDR, N]) & 0xffffffffn);
          results.push(go('crc32_bitwise', [DATA_ADDR + 0x80000, N]) & 0xffffffffn);
          results.push(go('sum_bytes', [DATA_ADDR, N]));
          results.push(go('count_signed', [DATA_ADDR, N / 4]));
        }
        return { results, counts, cpu };
      };
      const off = run('off');
      expect(off.results).toEqual(expected);
      for (const mode of ['auto', 'always'] as const) {
        const r = run(mode);
        expect(r.results, mode).toEqual(expected);
        expect(r.counts, mode).toEqual(off.counts);
        expect(r.cpu.regionStats.compiled, mode).toBeGreaterThan(0);
        expect(r.cpu.regionStats.failed, mode).toBe(0);
      }

      // Stopped by the instruction budget inside compiled loops: the interpreter's registers and flags at every stop.
      const stops = (jit: 'off' | 'auto' | 'always') => {
        const { cpu, mem } = machine(image, undefined, jit);
        mem.load(DATA_ADDR, new Uint8Array(N).map((_, i) => fill(i)));
        const states: string[] = [];
        for (const budget of [5000, 777, 12345, 1, 64, 100003]) {
          call(cpu, sym('crc32_bitwise'), [DATA_ADDR, 3000]); // warm (and compiled, in auto)
          const r = call(cpu, sym('crc32_bitwise'), [DATA_ADDR, 3000], budget);
          states.push(`${r.out.kind} ${r.out.executed} rip=${cpu.rip.toString(16)} rflags=${cpu.rflags.toString(16)} ${[...cpu.r64].map((v) => v.toString(16)).join(',')}`);
        }
        return states;
      };
      const stopsOff = stops('off');
      expect(stopsOff.every((x) => x.startsWith('budget'))).toBe(true);
      for (const mode of ['auto', 'always'] as const) expect(stops(mode), mode).toEqual(stopsOff);

      // A load that runs off the end of the data area inside a hot compiled loop: the interpreter's fault, state and count.
      const fault = (jit: 'off' | 'auto' | 'always') => {
        const { cpu, mem } = machine(image, undefined, jit);
        mem.load(DATA_ADDR, new Uint8Array(0x100000).fill(0x41));
        const warm = new Uint8Array(4096).fill(0x41);
        warm[4000] = 0;
        mem.load(DATA_ADDR, warm);
        call(cpu, sym('str_len'), [DATA_ADDR]); // hot: compiled (auto) and its TLB warm
        mem.load(DATA_ADDR + 4000, [0x41]);
        const r = call(cpu, sym('str_len'), [DATA_ADDR]);
        return { out: r.out, regs: cpu.r64.slice(), stats: cpu.regionStats.runs };
      };
      const fOff = fault('off');
      expect(fOff.out.kind).toBe('fault');
      if (fOff.out.kind !== 'fault') return;
      // The data area is 1 MiB (compiled-c.ts maps it): the first byte past it faults.
      expect(fOff.out.fault.address).toBe(DATA_ADDR + 0x100000);
      for (const mode of ['auto', 'always'] as const) {
        const f = fault(mode);
        expect(f.out.kind, mode).toBe('fault');
        if (f.out.kind !== 'fault') continue;
        expect([f.out.fault.kind, f.out.fault.address, f.out.fault.rip, f.out.executed], mode).toEqual([fOff.out.fault.kind, fOff.out.fault.address, fOff.out.fault.rip, fOff.out.executed]);
        expect(f.regs, mode).toEqual(fOff.regs);
        expect(f.stats, mode).toBeGreaterThan(0);
      }
    });
  }
});
