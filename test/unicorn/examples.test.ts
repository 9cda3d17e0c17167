// unicorn.js's documented usage run unchanged against picemu/unicorn: the module comes from the package's
// own "picemu/unicorn" export; expected values are the documented results, and native unicorn where it runs.
import { describe, expect, it } from 'vitest';
import MUnicorn from 'picemu/unicorn';
import { requireOracle } from '../helpers/oracles.ts';
import { loadNativeUnicorn, nativeUnicornUnavailable } from '../helpers/native-unicorn.ts';

const hasNative = requireOracle('native unicorn-engine', !nativeUnicornUnavailable(), 'apt-get install libunicorn2 (and npm install koffi)');

describe("unicorn.js's documented examples", () => {
  it("unicorn's tutorial (inc ecx; dec edx) gives ECX = 0x1235, EDX = 0x788f", async () => {
    const uc = await MUnicorn();
    var e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_32);
    var ADDRESS = 0x1000000;
    var X86_CODE32 = [0x41, 0x4a]; // INC ecx; DEC edx
    e.mem_map(ADDRESS, 2 * 1024 * 1024, uc.PROT_ALL);
    e.mem_write(ADDRESS, X86_CODE32);
    e.reg_write_i32(uc.X86_REG_ECX, 0x1234);
    e.reg_write_i32(uc.X86_REG_EDX, 0x7890);
    e.emu_start(ADDRESS, ADDRESS + X86_CODE32.length, 0, 0);
    expect(e.reg_read_i32(uc.X86_REG_ECX)).toBe(0x1235);
    expect(e.reg_read_i32(uc.X86_REG_EDX)).toBe(0x788f);
    e.close();
  });

  it("the README's flow (MUnicorn().then, typed register writes, mem_map, emu_start, close), on x86", async () => {
    // The README emulates ARM `mov r0, #0x37; sub r1, r2, r3`; this is the same program in 32-bit x86.
    const flow = (uc: any) => {
      var addr = 0x10000;
      var code = [
        0xb8, 0x37, 0x00, 0x00, 0x00, // mov eax, 0x37
        0x89, 0xd1, //                   mov ecx, edx
        0x29, 0xd9, //                   sub ecx, ebx
      ];
      var e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_32);
      e.reg_write_i32(uc.X86_REG_EDX, 0x456);
      e.reg_write_i32(uc.X86_REG_EBX, 0x123);
      e.mem_map(addr, 4 * 1024, uc.PROT_ALL);
      e.mem_write(addr, code);
      var begin = addr;
      var until = addr + code.length;
      e.emu_start(begin, until, 0, 0);
      var r0 = e.reg_read_i32(uc.X86_REG_EAX);
      var r1 = e.reg_read_i32(uc.X86_REG_ECX);
      e.close();
      return [r0, r1];
    };
    const result = await MUnicorn().then(flow);
    expect(result).toEqual([0x37, 0x333]);
    if (hasNative) expect(result).toEqual(flow(loadNativeUnicorn()));
  });

  it('an architecture picemu does not emulate (the README is ARM) fails as uc_open does', async () => {
    const uc = await MUnicorn();
    expect(() => new uc.Unicorn(uc.ARCH_ARM, uc.MODE_ARM)).toThrow('Unicorn.js: Function uc_open failed with code 2:\nInvalid/unsupported architecture (UC_ERR_ARCH)');
    expect(uc.arch_supported(uc.ARCH_X86)).toBeTruthy();
    expect(uc.arch_supported(uc.ARCH_ARM)).toBeFalsy();
  });

  it("the x86 demo's register pane: map at 0, set EIP with reg_write_type, run, read every register as i32", async () => {
    const demo = (uc: any) => {
      var e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_32);
      var address = 0x0;
      e.mem_map(address, 0x1000, uc.PROT_ALL);
      e.reg_write_i32(uc.X86_REG_EIP, address);
      var bytes = [
        0xbe, 0xff, 0xff, 0xff, 0xff, // mov esi, -1
        0x8d, 0x46, 0x03, //             lea eax, [esi+3]
        0xf7, 0xe6, //                   mul esi
        0x87, 0xd7, //                   xchg edi, edx
      ];
      e.mem_write(address, bytes);
      e.emu_start(address, address + bytes.length, 0, 0);
      return ['EAX', 'EBX', 'ECX', 'EDX', 'EBP', 'ESP', 'ESI', 'EDI', 'EIP'].map((r) => e.reg_read_i32(uc[`X86_REG_${r}`]));
    };
    const regs = demo(await MUnicorn());
    // mul: edx:eax = 2 * 0xffffffff = 0x1_fffffffe; then edi <-> edx.
    expect(regs).toEqual([-2, 0, 0, 0, 0, 0, -1, 1, 12]);
    if (hasNative) expect(regs).toEqual(demo(loadNativeUnicorn()));
  });
});
