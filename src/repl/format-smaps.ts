// `smaps`: per VMA, its maps line's address range, perms and path with the smaps figures in kB, as columns.
import type { SmapsRow } from './backend.ts';
import type { Palette } from './palette.ts';

const COLUMNS = [
  ['Size', 'size'],
  ['Rss', 'rss'],
  ['Pss', 'pss'],
  ['Shr_Cln', 'sharedClean'],
  ['Shr_Drt', 'sharedDirty'],
  ['Prv_Cln', 'privateClean'],
  ['Prv_Drt', 'privateDirty'],
  ['Anon', 'anonymous'],
] as const;

export function formatSmaps(rows: readonly SmapsRow[], pal: Palette): string {
  const lines = [pal.heading(`${COLUMNS.map(([title]) => title.padStart(8)).join('')}  (kB)  mapping`)];
  for (const r of rows) {
    // The maps line is `start-end perms offset dev inode path`: keep range, perms and path.
    const f = r.header.split(/\s+/);
    const mapping = [f[0], f[1], f.slice(5).join(' ')].join(' ').trimEnd();
    lines.push(`${COLUMNS.map(([, key]) => String(Math.floor(r.figures[key] / 1024)).padStart(8)).join('')}        ${mapping}`);
  }
  const total = (key: (typeof COLUMNS)[number][1]) => rows.reduce((sum, r) => sum + r.figures[key], 0);
  lines.push(`${COLUMNS.map(([, key]) => String(Math.floor(total(key) / 1024)).padStart(8)).join('')}        total`);
  return lines.join('\n');
}
