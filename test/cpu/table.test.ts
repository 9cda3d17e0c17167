// The instruction table: unknown and duplicate Code names are rejected, and every entry is listed once.
import { describe, expect, it } from 'vitest';
import { implementedCodes, register } from '../../src/cpu/table.ts';

describe('the handler table', () => {
  const noop = () => () => {};

  it('rejects a Code registered twice, naming the file that has it', () => {
    const taken = implementedCodes().find((e) => e.name === 'Add_rm32_r32')!;
    expect(() => register('extra.ts', [{ codes: ['Add_rm32_r32'], build: noop }])).toThrow(`extra.ts: Add_rm32_r32 is already registered by ${taken.file}`);
  });

  it('rejects a name that is not an iced Code', () => {
    expect(() => register('extra.ts', [{ codes: ['Add_rm32_r33'], build: noop }])).toThrow('unknown iced Code Add_rm32_r33');
  });

  it('lists every implemented Code once, with its name and ops file', () => {
    const all = implementedCodes();
    expect(new Set(all.map((e) => e.code)).size).toBe(all.length);
    for (const e of all) expect(e.file).toMatch(/\.ts$/);
  });
});
