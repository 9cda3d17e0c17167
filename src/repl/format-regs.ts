// `regs`: general registers, rip and rflags, one per line, those changed by the last step or run marked `*`.
import type { RegisterValue } from './backend.ts';
import type { Palette } from './palette.ts';

export function formatRegisters(regs: readonly RegisterValue[], changed: ReadonlySet<string>, pal: Palette): string {
  const width = Math.max(...regs.map((r) => r.name.length));
  return regs
    .map((r) => {
      const mark = changed.has(r.name);
      const name = r.name.padEnd(width);
      const value = '0x' + r.value.toString(16).padStart(16, '0');
      return mark ? `${pal.changed(`${name}  ${value}`)} *` : `${name}  ${value}`;
    })
    .join('\n');
}
