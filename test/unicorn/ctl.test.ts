// unicorn.js's tests/test_ctl.js, written again for picemu/unicorn: the uc_ctl readers, the cpu_model
// round-trip and a run with the model set, the exits controls, the write-only controls; then what a model
// selects, against native unicorn-engine: the same instructions are valid or UC_ERR_INSN_INVALID in both.
import { describe, expect, it } from 'vitest';
import MUnicorn from '../../src/unicorn/index.ts';
import { assemble, hasToolchain } from '../cpu/host-exec.ts';

const uc = await MUnicorn();

describe('uc_ctl (unicorn.js tests/test_ctl.js)', () => {
  it('reads arch, mode, page size and timeout', () => {
    const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
    expect([e.ctl_get_arch(), e.ctl_get_mode(), e.ctl_get_page_size(), e.ctl_get_timeout()]).toEqual([uc.ARCH_X86, uc.MODE_64, 4096, 0n]);
    e.close();
  });

  it('cpu_model: set before init, read back (which initializes), then the engine runs', () => {
    expect(uc.CPU_X86_QEMU32).toBe(4);
    const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_32);
    e.ctl_set_cpu_model(uc.CPU_X86_QEMU32);
    expect(e.ctl_get_cpu_model()).toBe(uc.CPU_X86_QEMU32);
    e.mem_map(0x1000n, 0x1000, uc.PROT_ALL);
    e.mem_write(0x1000n, [0xb8, 0x34, 0x12, 0x00, 0x00]);
    e.emu_start(0x1000n, 0x1005n, 0, 0);
    expect(e.reg_read_i32(uc.X86_REG_EAX)).toBe(0x1234);
    // Once initialized the model is fixed (UC_ERR_ARG), as uc.c's UC_CTL_CPU_MODEL says.
    expect(() => e.ctl_set_cpu_model(uc.CPU_X86_HASWELL)).toThrow(/uc_ctl failed with code 15/);
    e.close();
  });

  it('the default model is Haswell; unknown models are rejected', () => {
    const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
    expect(() => e.ctl_set_cpu_model(uc.CPU_X86_EPYC_ROME + 1)).toThrow(/code 15/);
    expect(() => e.ctl_set_cpu_model(-1)).toThrow(/code 15/);
    expect(e.ctl_get_cpu_model()).toBe(uc.CPU_X86_HASWELL);
    e.close();
  });

  it('exits: (uint64_t *, size_t) round-trip, and the run stops at the first exit reached', () => {
    const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
    e.ctl_exits_enable();
    e.mem_map(0x1000n, 0x1000, uc.PROT_ALL);
    e.mem_write(0x1000n, new Array(16).fill(0x90));
    e.ctl_set_exits([0x1003n, 0x1007n]);
    expect(e.ctl_get_exits_cnt()).toBe(2);
    expect(e.ctl_get_exits(2)).toEqual([0x1003n, 0x1007n]);
    e.emu_start(0x1000n, 0, 0, 0);
    expect(e.reg_read_i64(uc.X86_REG_RIP)).toBe(0x1003n);
    e.close();
  });

  it('tlb_mode, context_mode, remove_cache, flush_tb and flush_tlb do not throw', () => {
    const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
    e.mem_map(0x1000n, 0x1000, uc.PROT_ALL);
    expect(() => {
      e.ctl_tlb_mode(uc.TLB_CPU);
      e.ctl_context_mode(uc.CTL_CONTEXT_CPU);
      e.ctl_remove_cache(0x1000n, 0x1010n);
      e.ctl_flush_tb();
      e.ctl_flush_tlb();
    }).not.toThrow();
    e.close();
  });
});

// What a model selects, from unicorn 2's own tables (cpu-models.ts, transcribed from qemu/target/i386/cpu.c): the
// model's features that TCG implements. (Native unicorn 2.0.1 ignores the model for these: popcnt is invalid and
// andn valid under every model there, so it cannot serve as the oracle here.)
describe.skipIf(!hasToolchain())('a cpu model selects the instructions the engine executes', () => {
  const lines = ['popcnt eax, ecx', 'lzcnt eax, ecx', 'andn eax, ebx, ecx', 'movbe eax, dword ptr [rsi]', 'pshufb xmm0, xmm1', 'crc32 eax, cl', 'vpaddb ymm0, ymm1, ymm2', 'vfmadd231ps xmm0, xmm1, xmm2', 'xgetbv'];
  const codes = assemble(lines);
  const run = (model: number, code: Uint8Array): string => {
    const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
    e.ctl_set_cpu_model(model);
    e.mem_map(0x1000n, 0x1000, uc.PROT_ALL);
    e.mem_map(0x8000n, 0x1000, uc.PROT_ALL);
    e.mem_write(0x1000n, [...code]);
    e.reg_write_i64(uc.X86_REG_RSI, 0x8000n);
    e.reg_write_i64(uc.X86_REG_RCX, 0n);
    try {
      e.emu_start(0x1000n, 0x1000n + BigInt(code.length), 0, 1);
      return 'ok';
    } catch (err) {
      return /code 10:/.test(String(err)) ? 'invalid' : String(err);
    } finally {
      e.close();
    }
  };
  it.each([
    ['CPU_X86_QEMU64', ['invalid', 'ok', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid', 'invalid']],
    ['CPU_X86_NEHALEM', ['ok', 'ok', 'invalid', 'invalid', 'ok', 'ok', 'invalid', 'invalid', 'invalid']],
    ['CPU_X86_HASWELL', ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'invalid', 'invalid', 'ok']],
    ['CPU_X86_EPYC', ['ok', 'ok', 'ok', 'ok', 'ok', 'ok', 'invalid', 'invalid', 'ok']],
  ] as const)('%s (lzcnt without ABM runs as bsr, as on such a CPU)', (model, want) => {
    expect(codes.map((c, i) => `${lines[i]}: ${run(uc[model], c)}`)).toEqual(lines.map((l, i) => `${l}: ${want[i]}`));
  });
});
