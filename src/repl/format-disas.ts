// `disas`: instructions from an address, each with module+symbol, the current one marked with an arrow.
import { hex } from '../util/numbers.ts';
import type { DisassembledInstruction } from '../trace/disassemble.ts';
import type { Location } from '../trace/events.ts';
import { whereText } from './format-location.ts';
import { padVisible, visibleLength, type Palette } from './palette.ts';

export function formatDisassembly(insns: readonly DisassembledInstruction[], rip: number | undefined, locate: (va: number) => Location, pal: Palette): string {
  const wheres = insns.map((i) => whereText(locate(i.address), pal));
  const width = Math.max(0, ...wheres.map(visibleLength));
  return insns
    .map((insn, k) => {
      const mark = insn.address === rip ? '=>' : '  ';
      const bytes = Array.from(insn.bytes, (b) => b.toString(16).padStart(2, '0')).join(' ');
      return `${mark} ${pal.address(hex(insn.address))} ${padVisible(wheres[k]!, width)}  ${pal.dim(bytes.padEnd(24))} ${pal.mnemonic(insn.text)}`;
    })
    .join('\n');
}
