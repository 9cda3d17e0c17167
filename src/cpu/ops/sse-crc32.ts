// SSE4.2 crc32: CRC-32C (Castagnoli, reflected polynomial 0x82F63B78) accumulated into a GPR, 1-8 bytes at a time.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import type { HandlerDef } from '../handler.ts';
import { getter, gprSetter } from '../operands.ts';

const TABLE = new Uint32Array(256);
for (let i = 0; i < 256; i++) {
  let c = i;
  for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
  TABLE[i] = c >>> 0;
}

function crc32(srcBits: 8 | 16 | 32 | 64) {
  return (insn: Insn) => {
    const dst = insn.ops[0];
    if (dst.kind !== 'gpr') throw new Error(`${insn.text}: destination is not a register`);
    const d = 2 * dst.reg;
    const g = getter(insn, 1, srcBits);
    const set = gprSetter({ ...dst, width: dst.width === 64 ? 64 : 32 });
    return (c: Cpu) => {
      let lo = g(c);
      let hi = c.hi;
      let crc = c.r32[d];
      for (let i = 0; i < srcBits / 8; i++) {
        crc = (crc >>> 8) ^ TABLE[(crc ^ lo) & 0xff];
        lo = (lo >>> 8) | ((hi & 0xff) << 24);
        hi >>>= 8;
      }
      set(c, crc >>> 0, 0); // a 64-bit destination gets the CRC zero-extended
    };
  };
}

export const handlers: HandlerDef[] = [
  { codes: ['Crc32_r32_rm8', 'Crc32_r64_rm8'], build: crc32(8), feature: 'sse4.2' },
  { codes: ['Crc32_r32_rm16'], build: crc32(16), feature: 'sse4.2' },
  { codes: ['Crc32_r32_rm32'], build: crc32(32), feature: 'sse4.2' },
  { codes: ['Crc32_r64_rm64'], build: crc32(64), feature: 'sse4.2' },
];
