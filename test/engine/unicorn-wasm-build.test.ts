// The committed WebAssembly build (wasm/unicorn-x86.cjs) through unicorn.js's own API: the checks unicorn.js's
// tests make (x86 BigInt registers, hooks, TCG helpers, a loop, context save/restore, regions, ctl), written anew.
// Expected values come from the instructions' definitions (movabs, div, the Fibonacci loop), not from an engine.
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { UNICORN_WASM_PATH } from '../../src/process/engines/unicorn-module.ts';

// The module's API is untyped JavaScript (unicorn.js): the tests talk to it as such.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Any = any;
const MUnicorn = createRequire(import.meta.url)(UNICORN_WASM_PATH) as () => Promise<Any>;
const uc: Any = await MUnicorn();
const ADDRESS = 0x1000000;

function engine(mode: 'MODE_64' | 'MODE_32', code: number[], address = ADDRESS): Any {
  const e = new uc.Unicorn(uc.ARCH_X86, uc[mode]);
  e.mem_map(address, 0x200000, uc.PROT_ALL);
  e.mem_write(address, code);
  return e;
}

describe('wasm/unicorn-x86.cjs through unicorn.js API', () => {
  it('64-bit registers are BigInt both ways; movabs loads all 64 bits; the code hook gets a BigInt address', () => {
    const code = [0x48, 0xb8, 0x88, 0x77, 0x66, 0x55, 0x44, 0x33, 0x22, 0x11]; // movabs rax, 0x1122334455667788
    const e = engine('MODE_64', code);
    // Above 2^53, so a Number could not hold it (the i64 shim in wasm/build.sh); reads are signed, as HEAP64 is.
    e.reg_write_i64(uc.X86_REG_RBX, 0x7edcba9876543211n);
    expect(e.reg_read_i64(uc.X86_REG_RBX)).toBe(0x7edcba9876543211n);
    const seen: unknown[] = [];
    e.hook_add(uc.HOOK_CODE, (_h: unknown, addr: unknown) => seen.push(addr), {}, ADDRESS, ADDRESS + code.length);
    e.emu_start(ADDRESS, ADDRESS + code.length, 0, 0);
    expect(e.reg_read_i64(uc.X86_REG_RAX)).toBe(0x1122334455667788n);
    expect(seen).toEqual([BigInt(ADDRESS)]);
    e.close();
  });

  it('HOOK_INSN for syscall and HOOK_CODE both fire', () => {
    const e = engine('MODE_64', [0x0f, 0x05]);
    let code = 0, insn = 0;
    e.hook_add(uc.HOOK_CODE, () => code++, {}, ADDRESS, ADDRESS + 2);
    e.hook_add(uc.HOOK_INSN, () => insn++, {}, ADDRESS, ADDRESS + 2, uc.X86_INS_SYSCALL);
    e.emu_start(ADDRESS, ADDRESS + 2, 0, 0);
    expect([code, insn]).toEqual([1, 1]);
    e.close();
  });

  it('div through the TCG helper adapters: 1000 / 7 = 142 remainder 6, in 64 and 32 bits', () => {
    const div64 = [0x48, 0x31, 0xd2, 0x48, 0xc7, 0xc0, 0xe8, 0x03, 0, 0, 0x48, 0xc7, 0xc1, 0x07, 0, 0, 0, 0x48, 0xf7, 0xf1];
    const div32 = [0x31, 0xd2, 0xb8, 0xe8, 0x03, 0, 0, 0xb9, 0x07, 0, 0, 0, 0xf7, 0xf1];
    for (const code of [div64, div32]) {
      const e = engine('MODE_64', code);
      e.emu_start(ADDRESS, ADDRESS + code.length, 0, 0);
      expect([e.reg_read_i64(uc.X86_REG_RAX), e.reg_read_i64(uc.X86_REG_RDX)]).toEqual([142n, 6n]);
      e.close();
    }
  });

  it('a 32-bit xadd loop runs 30 times across blocks: F(30) and F(29)', () => {
    const code = [0xb8, 0, 0, 0, 0, 0xba, 1, 0, 0, 0, 0xb9, 30, 0, 0, 0, 0x0f, 0xc1, 0xd0, 0xe2, 0xfb];
    const e = engine('MODE_32', code, 0x10000);
    let insns = 0;
    e.hook_add(uc.HOOK_CODE, () => insns++, {}, 0x10000, 0x10000 + code.length);
    e.emu_start(0x10000, 0x10000 + code.length, 0, 0);
    expect([e.reg_read_i32(uc.X86_REG_EAX), e.reg_read_i32(uc.X86_REG_EDX), e.reg_read_i32(uc.X86_REG_ECX)]).toEqual([832040, 514229, 0]);
    expect(insns).toBe(3 + 30 * 2); // three movs, then xadd and loop 30 times
    e.close();
  });

  it('a long straight block runs under a code hook (wasm/build.sh raises TCG_MAX_TEMPS: this crashed before)', () => {
    // 200 × mov eax, dword [0x30000]; a code hook makes unicorn instrument every instruction of the block.
    const code = Array.from({ length: 200 }, () => [0x8b, 0x04, 0x25, 0x00, 0x00, 0x03, 0x00]).flat();
    const e = engine('MODE_64', code, 0x10000);
    e.mem_write(0x30000, [0x78, 0x56, 0x34, 0x12]);
    let insns = 0;
    e.hook_add(uc.HOOK_CODE, () => insns++);
    e.emu_start(0x10000, 0x10000 + code.length, 0, 0);
    expect([insns, e.reg_read_i32(uc.X86_REG_EAX)]).toEqual([200, 0x12345678]);
    e.close();
  });

  it('context save and restore; mem_regions as mapped, with BigInt bounds', () => {
    const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
    e.reg_write_i64(uc.X86_REG_RAX, 0x1111n);
    const ctx = e.context_alloc();
    e.context_save(ctx);
    e.reg_write_i64(uc.X86_REG_RAX, 0x2222n);
    e.context_restore(ctx);
    expect(e.reg_read_i64(uc.X86_REG_RAX)).toBe(0x1111n);
    e.context_free(ctx);
    e.mem_map(0x100000, 0x1000, uc.PROT_ALL);
    e.mem_map(0x200000, 0x2000, uc.PROT_READ);
    const regions = e.mem_regions().sort((a: Any, b: Any) => (a.begin < b.begin ? -1 : 1));
    expect(regions).toEqual([
      { begin: 0x100000n, end: 0x100fffn, perms: uc.PROT_ALL },
      { begin: 0x200000n, end: 0x201fffn, perms: uc.PROT_READ },
    ]);
    e.close();
  });

  it('ctl: arch, mode, page size, timeout; a CPU model set before first use; multiple exits', () => {
    let e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
    expect([e.ctl_get_arch(), e.ctl_get_mode(), e.ctl_get_page_size(), e.ctl_get_timeout()]).toEqual([uc.ARCH_X86, uc.MODE_64, 4096, 0n]);
    e.close();
    e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_32);
    e.ctl_set_cpu_model(uc.CPU_X86_QEMU32);
    expect(e.ctl_get_cpu_model()).toBe(uc.CPU_X86_QEMU32);
    e.mem_map(0x1000, 0x1000, uc.PROT_ALL);
    e.mem_write(0x1000, [0xb8, 0x34, 0x12, 0, 0]);
    e.emu_start(0x1000, 0x1005, 0, 0);
    expect(e.reg_read_i32(uc.X86_REG_EAX)).toBe(0x1234);
    e.close();
    e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
    e.ctl_exits_enable();
    e.mem_map(0x1000, 0x1000, uc.PROT_ALL);
    e.mem_write(0x1000, new Array(16).fill(0x90));
    e.ctl_set_exits([0x1003n, 0x1007n]);
    expect(e.ctl_get_exits(e.ctl_get_exits_cnt())).toEqual([0x1003n, 0x1007n]);
    e.emu_start(0x1000, 0, 0, 0);
    expect(e.reg_read_i64(uc.X86_REG_RIP)).toBe(0x1003n);
    e.close();
  });

  it('two engines share the bytes of one heap page mapped with uc_mem_map_ptr (the shared-frame mechanism)', () => {
    const raw = uc._malloc(0x2000);
    const page = Math.ceil(raw / 0x1000) * 0x1000;
    uc.HEAPU8.fill(0, page, page + 0x1000);
    const store = [0xc7, 0x04, 0x25, 0x10, 0, 0x40, 0, 0x78, 0x56, 0x34, 0x12]; // mov dword [0x400010], 0x12345678
    const a = engine('MODE_64', store, 0x1000);
    const b = engine('MODE_64', [0x8b, 0x04, 0x25, 0x10, 0, 0x40, 0], 0x1000); // mov eax, dword [0x400010]
    // unicorn.js's wrapper has no mem_map_ptr: the exported C function, with the engine's handle.
    for (const e of [a, b]) expect(uc._uc_mem_map_ptr(uc.getValue(e.handle_ptr, '*'), 0x400000n, 0x1000n, uc.PROT_READ | uc.PROT_WRITE, page)).toBe(uc.ERR_OK);
    a.emu_start(0x1000, 0x1000 + store.length, 0, 0);
    b.emu_start(0x1000, 0x1007, 0, 0);
    expect(b.reg_read_i32(uc.X86_REG_EAX)).toBe(0x12345678);
    expect(uc.HEAPU32[(page + 0x10) >> 2]).toBe(0x12345678);
    a.close();
    b.close();
    uc._free(raw);
  });
});
