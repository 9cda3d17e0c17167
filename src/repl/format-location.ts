// How the REPL names an address: `0x7f..1100 libcounter.so+0x1100 <really_really_nonreentrant>`.
import { hex } from '../util/numbers.ts';
import type { Location } from '../trace/events.ts';
import type { Palette } from './palette.ts';

/** `module+0xoff <symbol>`, or the VMA name, or '' when the address is nowhere known. */
export function whereText(loc: Location, pal: Palette): string {
  const parts: string[] = [];
  if (loc.module !== undefined) parts.push(pal.module(loc.module) + (loc.offset !== undefined ? `+${hex(loc.offset)}` : ''));
  else if (loc.vma?.name) parts.push(pal.module(loc.vma.name));
  if (loc.symbol) parts.push(`<${pal.symbol(loc.symbol)}>`);
  return parts.join(' ');
}

/** The address in colour, followed by where it is. */
export function addressText(va: number, loc: Location, pal: Palette): string {
  const where = whereText(loc, pal);
  return where ? `${pal.address(hex(va))} ${where}` : pal.address(hex(va));
}
