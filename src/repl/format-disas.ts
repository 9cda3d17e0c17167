// `disas`: instructions from an address, each with module+symbol, the current one marked with an arrow.
import { hex } from '../util/numbers.ts';
import type { DisassembledInstruction } from '../trace/disassemble.ts';
import type { Location } from '../trace/events.ts';
import { whereText } from './format-location.ts';
import { padVisible, visibleLength, type Palette } from './palette.ts';

/** For a direct branch or call (`jne 0x7f…`), where its target is. */
function targetText(text: string, locate: (va: number) => Location, pal: Palette): string {
  const m = /^(?:j[a-z]+|call|loop[a-z]*|jrcxz|jecxz) (0x[0-9a-f]+)$/.exec(text);
  if (!m) return '';
  const where = whereText(locate(Number(m[1])), pal);
  return where ? ` ${where}` : '';
}

export function formatDisassembly(insns: readonly DisassembledInstruction[], rip: number | undefined, locate: (va: number) => Location, pal: Palette): string {
  const wheres = insns.map((i) => whereText(locate(i.address), pal));
  const width = Math.max(0, ...wheres.map(visibleLength));
  const byteTexts = insns.map((i) => Array.from(i.bytes, (b) => b.toString(16).padStart(2, '0')).join(' '));
  const bytesWidth = Math.max(20, ...byteTexts.map((b) => b.length));
  return insns
    .map((insn, k) => {
      const mark = insn.address === rip ? '=>' : '  ';
      return `${mark} ${pal.address(hex(insn.address))} ${padVisible(wheres[k]!, width)}  ${pal.dim(byteTexts[k]!.padEnd(bytesWidth))} ${pal.mnemonic(insn.text)}${targetText(insn.text, locate, pal)}`;
    })
    .join('\n');
}
