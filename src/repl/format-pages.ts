// `pages`: one row per page of a module's span, the frame each process maps there, and `shared` where all
// the processes that map it map one frame.
import { hex } from '../util/numbers.ts';
import { padVisible, type Palette } from './palette.ts';

/** A page of a module, as SPEC.md's `pages` entries: frames[k] is process k's frame, null when not present. */
export interface PageRowFacts {
  module: string;
  offset: number;
  perms: string;
  frames: readonly (number | null)[];
  shared: boolean;
}

export function formatPages(rows: readonly PageRowFacts[], pids: readonly number[], pal: Palette): string {
  if (rows.length === 0) return 'no pages';
  const moduleWidth = Math.max(6, ...rows.map((r) => r.module.length));
  const offsetWidth = Math.max(6, ...rows.map((r) => hex(r.offset).length));
  const frameWidth = Math.max(5, ...rows.flatMap((r) => r.frames.map((f) => String(f ?? '-').length)), ...pids.map((p) => `p${p}`.length));
  const header = [
    'module'.padEnd(moduleWidth),
    'offset'.padEnd(offsetWidth),
    'perms',
    ...pids.map((p) => `p${p}`.padStart(frameWidth)),
    '',
  ].join('  ');
  const lines = [pal.heading(header.trimEnd())];
  for (const r of rows) {
    const frames = r.frames.map((f) => String(f ?? '-').padStart(frameWidth));
    const state = r.shared ? pal.shared('shared') : r.frames.filter((f) => f !== null).length > 1 ? pal.private('private') : '';
    lines.push(
      [padVisible(pal.module(r.module), moduleWidth), hex(r.offset).padEnd(offsetWidth), r.perms.padEnd(5), ...frames, state].join('  ').trimEnd(),
    );
  }
  return lines.join('\n');
}
