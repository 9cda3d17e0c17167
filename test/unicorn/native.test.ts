// The koffi binding to native unicorn-engine: checks the binding works (the engine itself is the oracle
// elsewhere), on tiny programs whose effects are plain x86 semantics.
import { describe, expect, it } from 'vitest';
import { loadNativeUnicorn, nativeUnicornUnavailable, x86RegisterBytes } from '../helpers/native-unicorn.ts';
import { requireOracle } from '../helpers/oracles.ts';

const uc = loadNativeUnicorn();
const available = requireOracle('native unicorn-engine', !!uc, `${nativeUnicornUnavailable()}; apt-get install libunicorn2`);

describe.skipIf(!available)('native unicorn-engine through koffi', () => {
  const u = uc!;
  const CODE = 0x1000;

  function engine(code: number[]) {
    const e = new u.Unicorn(u.ARCH_X86, u.MODE_64);
    e.mem_map(CODE, 0x1000, u.PROT_ALL);
    e.mem_write(CODE, code);
    return e;
  }

  it('reports its version and supports x86', () => {
    expect(u.versionString()).toMatch(/^2\.\d+$/);
    expect(u.version() >> 24).toBe(2);
    expect(u.arch_supported(u.ARCH_X86)).toBe(true);
    expect(u.strerror(u.ERR_READ_UNMAPPED)).toBe('Invalid memory read (UC_ERR_READ_UNMAPPED)');
  });

  it('runs inc ecx; dec edx and reads the registers back in each width', () => {
    const e = engine([0xff, 0xc1, 0xff, 0xca]); // inc ecx; dec edx
    e.reg_write(u.X86_REG_RCX, [0x41, 0, 0, 0, 1, 0, 0, 0]);
    e.reg_write_i64(u.X86_REG_RDX, 0xffff_ffff_ffff_fff0n);
    e.emu_start(CODE, CODE + 4);
    // A 32-bit write zero-extends into the 64-bit register.
    expect(e.reg_read_i64(u.X86_REG_RCX)).toBe(0x42n);
    expect([...e.reg_read(u.X86_REG_RCX, 8)]).toEqual([0x42, 0, 0, 0, 0, 0, 0, 0]);
    expect(e.reg_read_i32(u.X86_REG_ECX)).toBe(0x42);
    expect(e.reg_read_i8(u.X86_REG_CL)).toBe(0x42);
    expect(e.reg_read_i64(u.X86_REG_RDX)).toBe(0xffff_ffefn);
    expect(e.reg_read_i32(u.X86_REG_EDX)).toBe(-17);
    expect(e.reg_value(u.X86_REG_RIP)).toBe(BigInt(CODE + 4));
    e.close();
  });

  it('writes and reads XMM registers as 128-bit values and MXCSR as a number', () => {
    const e = engine([0x66, 0x0f, 0xfe, 0xc1]); // paddd xmm0, xmm1
    e.reg_write(u.X86_REG_XMM0, 0x00000004_00000003_00000002_00000001n);
    e.reg_write(u.X86_REG_XMM1, [0xff, 0xff, 0xff, 0xff, 0x10, 0, 0, 0, 0x10, 0, 0, 0, 0x10, 0, 0, 0]);
    e.emu_start(CODE, CODE + 4);
    expect(e.reg_value(u.X86_REG_XMM0)).toBe(0x00000014_00000013_00000012_00000000n);
    expect([...e.reg_read(u.X86_REG_XMM0, 16)]).toEqual([0, 0, 0, 0, 0x12, 0, 0, 0, 0x13, 0, 0, 0, 0x14, 0, 0, 0]);
    expect(x86RegisterBytes(u.X86_REG_XMM0)).toBe(16);
    // unicorn 2.0 resets MXCSR to 0, not the architectural 0x1f80: harnesses must set it.
    e.reg_write(u.X86_REG_MXCSR, 0x1f80);
    expect(e.reg_read_i32(u.X86_REG_MXCSR)).toBe(0x1f80);
    e.close();
  });

  it('calls code and memory hooks with addresses, sizes and values, and stops calling after hook_del', () => {
    const e = engine([0x48, 0x89, 0x08, 0x48, 0x8b, 0x10]); // mov [rax], rcx; mov rdx, [rax]
    e.mem_map(0x8000, 0x1000, u.PROT_READ | u.PROT_WRITE);
    e.reg_write_i64(u.X86_REG_RAX, 0x8010);
    e.reg_write_i64(u.X86_REG_RCX, 0x1122334455667788n);
    const code: unknown[] = [];
    const mem: unknown[] = [];
    const data = { tag: 'mine' };
    const hc = e.hook_add(u.HOOK_CODE, (eng: unknown, address: bigint, size: number, ud: unknown) => code.push([eng === e, address, size, ud]), data);
    const hm = e.hook_add(u.HOOK_MEM_READ | u.HOOK_MEM_WRITE, (_e: unknown, type: number, address: bigint, size: number, value: bigint) =>
      mem.push([type, address, size, type === u.MEM_WRITE ? value : 0n]));
    e.emu_start(CODE, CODE + 6);
    expect(code).toEqual([[true, BigInt(CODE), 3, data], [true, BigInt(CODE + 3), 3, data]]);
    expect(mem).toEqual([[u.MEM_WRITE, 0x8010n, 8, 0x1122334455667788n], [u.MEM_READ, 0x8010n, 8, 0n]]);
    expect(e.reg_read_i64(u.X86_REG_RDX)).toBe(0x1122334455667788n);
    e.hook_del(hc);
    e.hook_del(hm);
    e.emu_start(CODE, CODE + 6);
    expect(code.length).toBe(2);
    expect(mem.length).toBe(2);
    e.close();
  });

  it('reports an unmapped write to an invalid-access hook, and fails emu_start as unicorn.js does', () => {
    const e = engine([0x48, 0x89, 0x08]); // mov [rax], rcx
    e.reg_write_i64(u.X86_REG_RAX, 0x9000);
    const seen: unknown[] = [];
    e.hook_add(u.HOOK_MEM_WRITE_UNMAPPED, (_e: unknown, type: number, address: bigint, size: number) => {
      seen.push([type, address, size]);
      return false;
    });
    expect(() => e.emu_start(CODE, CODE + 3)).toThrow(
      'Unicorn.js: Function uc_emu_start failed with code 7:\nInvalid memory write (UC_ERR_WRITE_UNMAPPED)',
    );
    expect(seen).toEqual([[u.MEM_WRITE_UNMAPPED, 0x9000n, 8]]);
    expect(e.emu_start_code(CODE, CODE + 3)).toBe(u.ERR_WRITE_UNMAPPED);
    e.close();
  });

  it('stops after `count` instructions', () => {
    const e = engine([0xff, 0xc1, 0xff, 0xc1, 0xff, 0xc1]); // inc ecx x3
    e.emu_start(CODE, CODE + 6, 0, 2);
    expect(e.reg_read_i32(u.X86_REG_ECX)).toBe(2);
    expect(e.reg_read_i64(u.X86_REG_RIP)).toBe(BigInt(CODE + 4));
    e.close();
  });

  it('maps, protects, lists and unmaps regions', () => {
    const e = engine([0x90]);
    e.mem_map(0x20000, 0x3000, u.PROT_ALL);
    e.mem_protect(0x21000, 0x1000, u.PROT_READ);
    expect(e.mem_regions()).toEqual([
      { begin: 0x1000n, end: 0x1fffn, perms: u.PROT_ALL },
      { begin: 0x20000n, end: 0x20fffn, perms: u.PROT_ALL },
      { begin: 0x21000n, end: 0x21fffn, perms: u.PROT_READ },
      { begin: 0x22000n, end: 0x22fffn, perms: u.PROT_ALL },
    ]);
    e.mem_unmap(0x20000, 0x3000);
    expect(e.mem_regions().length).toBe(1);
    expect(() => e.mem_read(0x20000, 1)).toThrow(/uc_mem_read failed with code 6/);
    e.close();
  });

  it('shares a mem_map_ptr buffer with JavaScript both ways', () => {
    const e = engine([0x88, 0x08]); // mov [rax], cl
    const backing = new Uint8Array(0x1000);
    e.mem_map_ptr(0x40000, 0x1000, u.PROT_READ | u.PROT_WRITE, backing);
    e.reg_write_i64(u.X86_REG_RAX, 0x40010);
    e.reg_write_i64(u.X86_REG_RCX, 0xab);
    e.emu_start(CODE, CODE + 2);
    expect(backing[0x10]).toBe(0xab);
    backing[0x20] = 0x5a;
    expect(e.mem_read(0x40020, 1)[0]).toBe(0x5a);
    e.close();
  });

  it('saves and restores a context', () => {
    const e = engine([0xff, 0xc1]);
    e.reg_write_i64(u.X86_REG_RCX, 10);
    const ctx = e.context_alloc();
    e.context_save(ctx);
    e.emu_start(CODE, CODE + 2);
    expect(e.reg_read_i64(u.X86_REG_RCX)).toBe(11n);
    e.context_restore(ctx);
    expect(e.reg_read_i64(u.X86_REG_RCX)).toBe(10n);
    e.context_free(ctx);
    e.close();
  });

  it('reads many registers in one batch call', () => {
    const e = engine([0x90]);
    e.reg_write_i64(u.X86_REG_RBX, 0x0102030405060708n);
    e.reg_write(u.X86_REG_XMM3, 0xffeeddccbbaa99887766554433221100n);
    const out = new Uint8Array(32);
    e.reg_read_batch_raw(Int32Array.of(u.X86_REG_RBX, u.X86_REG_XMM3), out);
    expect([...out.subarray(0, 16)]).toEqual([8, 7, 6, 5, 4, 3, 2, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    expect([...out.subarray(16, 32)]).toEqual([...e.reg_read(u.X86_REG_XMM3, 16)]);
    expect(out[31]).toBe(0xff);
    e.close();
  });

  it('reports syscall through HOOK_INSN', () => {
    const e = engine([0x0f, 0x05, 0x90]); // syscall; nop
    e.reg_write_i64(u.X86_REG_RAX, 60);
    const calls: number[] = [];
    e.hook_add(u.HOOK_INSN, (eng: { reg_read_i32(r: number): number }) => {
      calls.push(eng.reg_read_i32(u.X86_REG_EAX));
    }, undefined, 1, 0, u.X86_INS_SYSCALL);
    e.emu_start(CODE, CODE + 3);
    expect(calls).toEqual([60]);
    e.close();
  });
});
