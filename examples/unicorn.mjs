// unicorn.js's classic x86 example, unchanged but for the import, against picemu/unicorn.
import MUnicorn from 'picemu/unicorn';

const uc = await MUnicorn();
const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_64);
e.mem_map(0x1000, 0x1000, uc.PROT_ALL);
e.mem_write(0x1000, [0xff, 0xc1, 0xff, 0xca]); // inc ecx; dec edx
e.reg_write_i32(uc.X86_REG_ECX, 10);
e.reg_write_i32(uc.X86_REG_EDX, 20);
e.emu_start(0x1000, 0x1004, 0, 0);
console.log(e.reg_read_i32(uc.X86_REG_ECX), e.reg_read_i32(uc.X86_REG_EDX));
