// Text renderings that must match binutils byte for byte (readelf -lW's Program Headers block).
import { PF_R, PF_W, PF_X, PT_INTERP, segmentTypeName } from './constants.ts';
import type { ElfSymbol, ProgramHeader } from './types.ts';

const hex = (v: number, width: number) => v.toString(16).padStart(width, '0');

/**
 * `readelf -lW`'s "Program Headers:" block: that line, the column header, one line per header, and the
 * `[Requesting program interpreter: …]` line after PT_INTERP. Each line ends with a newline.
 */
export function formatProgramHeaders(phdrs: readonly ProgramHeader[], interp: string | undefined): string {
  if (phdrs.length === 0) return 'There are no program headers in this file.\n';
  const lines = [
    'Program Headers:',
    '  Type           Offset   VirtAddr           PhysAddr           FileSiz  MemSiz   Flg Align',
  ];
  for (const p of phdrs) {
    const type = segmentTypeName(p.type).slice(0, 14).padEnd(14);
    const flags = (p.flags & PF_R ? 'R' : ' ') + (p.flags & PF_W ? 'W' : ' ') + (p.flags & PF_X ? 'E' : ' ');
    const align = p.align === 0 ? '0' : '0x' + p.align.toString(16);
    lines.push(
      `  ${type} 0x${hex(p.offset, 6)} 0x${hex(p.vaddr, 16)} 0x${hex(p.paddr, 16)} 0x${hex(p.filesz, 6)} 0x${hex(p.memsz, 6)} ${flags} ${align}`,
    );
    if (p.type === PT_INTERP && interp !== undefined) lines.push(`      [Requesting program interpreter: ${interp}]`);
  }
  return lines.join('\n') + '\n';
}

/** A dynamic symbol's name as `readelf -s` prints it: `name@@VER` (default), `name@VER` (hidden), `name@VER (N)` (needed). */
export function symbolDisplayName(sym: ElfSymbol): string {
  if (sym.version === undefined || sym.namesVersion) return sym.name;
  if (sym.versionFile !== undefined) return `${sym.name}@${sym.version} (${sym.versionIndex})`;
  return `${sym.name}${sym.versionHidden ? '@' : '@@'}${sym.version}`;
}
