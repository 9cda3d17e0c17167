// The AVX2 gathers (VPGATHERDD/DQ/QD/QQ, VGATHERDPS/DPD/QPS/QPD): elements loaded from base + index[i]·scale
// + disp under a mask, one at a time, so a fault leaves the elements already loaded in place with their mask cleared.
import type { Cpu } from '../cpu.ts';
import type { Insn } from '../decode.ts';
import { fault } from '../faults.ts';
import type { HandlerDef } from '../handler.ts';
import { guestAddress } from '../operands.ts';

const TWO32 = 4294967296;

/**
 * `vpgather<idx><data> dest, [base + vindex·scale + disp], mask` with index and data elements of 4 or 8 bytes.
 * In element order, each element whose mask sign bit is set is loaded, and every element's mask is cleared as
 * it is passed; after the last, the whole mask register is zero and the destination's bits above the elements
 * are zeroed. A fault is taken at the gather (RIP unchanged) with the elements before it loaded and their masks
 * cleared, the rest of the mask as it was (not normalized, upper bits kept: the host CPU's state; the SDM: "the
 * destination and mask registers are partially updated"), so re-executing it resumes where it stopped.
 */
function gather(indexBytes: 4 | 8, indexWidth: 16 | 32, dataBytes: 4 | 8) {
  return (insn: Insn) => {
    const dst = insn.ops[0], mask = insn.ops[2], m = insn.mem;
    if (dst.kind !== 'xmm' || mask.kind !== 'xmm' || !m || m.vsib < 0) throw new Error(`gather: unexpected operands in ${insn.text}`);
    const dstWidth = dst.ymm ? 32 : 16;
    const n = Math.min(dstWidth / dataBytes, indexWidth / indexBytes);
    const d = dst.reg, k = mask.reg, x = m.vsib;
    // Destination, index and mask must be three different registers (SDM: #UD otherwise).
    const overlap = d === k || d === x || k === x;
    const words = dataBytes / 4;
    const used = n * words; // 32-bit words of destination and mask the elements occupy
    return (c: Cpu) => {
      if (overlap) fault('invalid-opcode', undefined, undefined, `${insn.text}: destination, index and mask registers must differ`);
      const xm = c.xmm32, hi = c.ymmHi32;
      const word = (reg: number, w: number) => (w < 4 ? xm[reg * 4 + w] : hi[reg * 4 + w - 4]);
      const setWord = (reg: number, w: number, v: number) => {
        if (w < 4) xm[reg * 4 + w] = v;
        else hi[reg * 4 + w - 4] = v;
      };
      const r = c.r32;
      for (let e = 0; e < n; e++) {
        if (!(word(k, e * words + words - 1) & 0x80000000)) {
          for (let w = 0; w < words; w++) setWord(k, e * words + w, 0);
          continue;
        }
        // base + sign-extended index · scale + disp, exact in 64-bit halves.
        let ilo: number, ihi: number;
        if (indexBytes === 4) {
          ilo = word(x, e);
          ihi = ilo & 0x80000000 ? 0xffffffff : 0;
        } else {
          ilo = word(x, 2 * e);
          ihi = word(x, 2 * e + 1);
        }
        let lo = m.dispLo + ilo * m.scale;
        let h = m.dispHi + ihi * m.scale;
        if (m.base >= 0) {
          lo += r[2 * m.base];
          h += r[2 * m.base + 1];
        }
        const carry = Math.floor(lo / TWO32);
        const a = guestAddress(c, m, lo >>> 0, (h + carry) >>> 0);
        c.ea = a;
        if (dataBytes === 4) setWord(d, e, c.read32(a));
        else {
          const vlo = c.read64(a);
          setWord(d, 2 * e, vlo);
          setWord(d, 2 * e + 1, c.hi);
        }
        for (let w = 0; w < words; w++) setWord(k, e * words + w, 0);
      }
      for (let w = 0; w < 8; w++) setWord(k, w, 0);
      for (let w = used; w < 8; w++) setWord(d, w, 0);
    };
  };
}

/** The sixteen forms; the name gives the index size and width (vm32x: dword indices in an xmm) and the data size. */
const FORMS = ['dd', 'dq', 'qd', 'qq'].flatMap((t) => {
  const shapes: Record<string, string[]> = { dd: ['xmm_vm32x_xmm', 'ymm_vm32y_ymm'], dq: ['xmm_vm32x_xmm', 'ymm_vm32x_ymm'], qd: ['xmm_vm64x_xmm', 'xmm_vm64y_xmm'], qq: ['xmm_vm64x_xmm', 'ymm_vm64y_ymm'] };
  const float = { dd: 'dps', dq: 'dpd', qd: 'qps', qq: 'qpd' }[t];
  return shapes[t].flatMap((shape) => [`VEX_Vpgather${t}_${shape}`, `VEX_Vgather${float}_${shape}`]);
});

export const handlers: HandlerDef[] = FORMS.map((name) => {
  const [, index, width] = /_vm(32|64)(x|y)_/.exec(name)!;
  const data = /gather[dq](d|q|ps|pd)_/.exec(name)![1];
  return { codes: [name], build: gather(index === '32' ? 4 : 8, width === 'y' ? 32 : 16, data === 'd' || data === 'ps' ? 4 : 8), feature: 'avx2' as const };
});
