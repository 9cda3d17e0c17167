// The conventions of unicorn.js 2.x's wrapper (src/unicorn-wrapper.js) that code written for it relies on:
// failures thrown as strings, default hook arguments, argument conversions and result types.
import { describe, expect, it } from 'vitest';
import MUnicorn from '../../src/unicorn/index.ts';

const uc = await MUnicorn();
const code = [0xff, 0xc0, 0xff, 0xc0]; // inc eax; inc eax

function engine(): InstanceType<typeof uc.Unicorn> {
  const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
  e.mem_map(0x10000, 0x1000, uc.PROT_ALL);
  e.mem_write(0x10000, code);
  return e;
}

function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('nothing was thrown');
}

describe('unicorn.js conventions', () => {
  it('each MUnicorn() resolves to a module object with the constants, static functions and the class', async () => {
    const other = await MUnicorn();
    expect(other).not.toBe(uc);
    expect(typeof uc.Unicorn).toBe('function');
    expect(uc.strerror(uc.ERR_MAP)).toBe('Invalid memory mapping (UC_ERR_MAP)');
    expect(typeof uc.version()).toBe('number');
    expect(uc.CTL_READ(uc.CTL_UC_MODE, 1)).toBe(((uc.CTL_UC_MODE | (1 << 26) | (uc.CTL_IO_READ << 30)) >>> 0));
  });

  it('a failed call throws the message string itself, not an Error', () => {
    const e = engine();
    const failure = thrown(() => e.mem_map(0x10000, 0x1000, uc.PROT_ALL));
    expect(typeof failure).toBe('string');
    expect(failure).toBe(`Unicorn.js: Function uc_mem_map failed with code ${uc.ERR_MAP}:\n${uc.strerror(uc.ERR_MAP)}`);
  });

  it('hook_add defaults: user_data {}, the whole address range; it returns { handle, callback } numbers', () => {
    const e = engine();
    const seen: unknown[] = [];
    const hook = e.hook_add(uc.HOOK_CODE, (handle: unknown, address: bigint, size: number, data: unknown) => seen.push([handle === e, address, size, data]));
    expect(typeof hook.handle).toBe('number');
    expect(typeof hook.callback).toBe('number');
    e.emu_start(0x10000, 0x10004);
    expect(seen).toEqual([
      [true, 0x10000n, 2, {}],
      [true, 0x10002n, 2, {}],
    ]);
  });

  it('hook types the wrapper has no callback shape for are refused before reaching unicorn', () => {
    const e = engine();
    expect(thrown(() => e.hook_add(uc.HOOK_CODE | uc.HOOK_BLOCK, () => {}))).toBe('Unicorn.js: Unimplemented hook type');
    expect(thrown(() => e.hook_add(uc.HOOK_INSN_INVALID, () => {}))).toBe('Unicorn.js: Unimplemented hook type');
  });

  it('64-bit values: Number or BigInt in, BigInt out; narrower reads are signed Numbers', () => {
    const e = engine();
    e.reg_write_i64(uc.X86_REG_RAX, 0xffff_ffff);
    expect(e.reg_read_i64(uc.X86_REG_RAX)).toBe(0xffff_ffffn);
    expect(e.reg_read_i32(uc.X86_REG_EAX)).toBe(-1);
    e.reg_write_i64(uc.X86_REG_RAX, -2n);
    expect(e.reg_read_i64(uc.X86_REG_RAX)).toBe(-2n);
    expect(e.reg_read_i16(uc.X86_REG_AX)).toBe(-2);
    expect(e.mem_read(0x10000n, 2)).toBeInstanceOf(Uint8Array);
    expect(e.query_i64(uc.QUERY_PAGE_SIZE)).toBe(4096n);
    expect(e.query_i32(uc.QUERY_ARCH)).toBe(uc.ARCH_X86);
    expect(e.ctl_get_mode()).toBe(uc.MODE_64);
    expect(typeof e.ctl_get_timeout()).toBe('bigint');
    expect(e.mem_regions()).toEqual([{ begin: 0x10000n, end: 0x10fffn, perms: uc.PROT_ALL }]);
  });

  it('argument conversions fail as the wrapper does: a BigInt for an i32 store, a fractional address', () => {
    const e = engine();
    expect(() => e.reg_write_i32(uc.X86_REG_EAX, 1n as unknown as number)).toThrow(TypeError);
    expect(() => e.mem_read(0.5, 1)).toThrow(RangeError);
  });

  it('omitted perms, timeout and count are 0, as the wrapper passes undefined through', () => {
    const e = engine();
    e.mem_map(0x20000, 0x1000);
    expect(e.mem_regions()[1]).toEqual({ begin: 0x20000n, end: 0x20fffn, perms: uc.PROT_NONE });
    e.emu_start(0x10000, 0x10004);
    expect(e.reg_read_i32(uc.X86_REG_EAX)).toBe(2);
  });

  it('contexts are numbers, as the wrapper hands out uc_context pointers', () => {
    const e = engine();
    const ctx = e.context_alloc();
    expect(typeof ctx).toBe('number');
    e.context_save(ctx);
    e.context_free(ctx);
  });
});
