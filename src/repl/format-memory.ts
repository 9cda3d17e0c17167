// `x`: memory as a hex dump, 16 bytes a line with ASCII, each line's address symbolized (data comes from
// peek, which never faults and never breaks COW).
import { hex } from '../util/numbers.ts';
import type { Location } from '../trace/events.ts';
import { whereText } from './format-location.ts';
import type { Palette } from './palette.ts';

export function formatHexDump(start: number, bytes: Uint8Array, locate: (va: number) => Location, pal: Palette): string {
  const lines: string[] = [];
  for (let off = 0; off < bytes.length; off += 16) {
    const row = bytes.subarray(off, off + 16);
    const hexes = Array.from(row, (b) => b.toString(16).padStart(2, '0'));
    const cols = [hexes.slice(0, 8).join(' '), hexes.slice(8).join(' ')].join('  ').padEnd(16 * 3);
    const ascii = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('');
    const va = start + off;
    const where = whereText(locate(va), pal);
    lines.push(`${pal.address(hex(va).padStart(14))}  ${cols} |${ascii.padEnd(16)}|${where ? '  ' + where : ''}`);
  }
  return lines.join('\n');
}
