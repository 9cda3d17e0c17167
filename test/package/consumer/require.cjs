// CommonJS: require('picemu/unicorn') is the MUnicorn factory itself (unicorn.js's tutorial: INC ECX; DEC EDX).
const MUnicorn = require('picemu/unicorn');
MUnicorn().then((uc) => {
  const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_32);
  e.mem_map(0x1000000, 0x1000, uc.PROT_ALL);
  e.mem_write(0x1000000, [0x41, 0x4a]);
  e.reg_write_i32(uc.X86_REG_ECX, 0x1234);
  e.reg_write_i32(uc.X86_REG_EDX, 0x7890);
  e.emu_start(0x1000000, 0x1000002, 0, 0);
  const { Machine } = require('picemu');
  console.log(JSON.stringify({ type: typeof MUnicorn, name: MUnicorn.name, ecx: e.reg_read_i32(uc.X86_REG_ECX), edx: e.reg_read_i32(uc.X86_REG_EDX), machine: typeof Machine.create }));
});
