// The page/frame table across a machine's processes: for every page of every loaded module's span (as
// placed in the first process), which frame each process maps there, and whether they all share one.
import { PAGE_SIZE } from '../mm/types.ts';
import type { ModuleOffset } from '../trace/events.ts';

export interface PageRow {
  module: string;
  /** Page's offset from the module's base. */
  offset: ModuleOffset;
  /** The VMA's permissions in the first process that maps the page (`---p` when none does). */
  perms: string;
  /** Per process, in pid order: the frame mapped there, or null when the page is not present. */
  frames: (number | null)[];
  /**
   * When the table is taken: at least two processes map it, and all that do map one frame (so that frame is
   * mapped by more than one process: what a trace access's `shared` says at the moment of the access).
   */
  shared: boolean;
}

/** What the table needs of a process. */
export interface PageProbe {
  modules(): readonly { name: string; base: number; span: number }[];
  /** Frame number behind a mapped address without paging in (null when not present). */
  presentFrame(va: number): number | null;
  /** maps-style permissions of the VMA containing va, or null. */
  permsAt(va: number): string | null;
}

export function pageTable(processes: readonly PageProbe[]): PageRow[] {
  const rows: PageRow[] = [];
  const seen = new Set<string>();
  for (const first of processes) {
    for (const m of first.modules()) {
      if (seen.has(m.name)) continue;
      seen.add(m.name);
      for (let offset = 0; offset < m.span; offset += PAGE_SIZE) {
        let perms: string | null = null;
        const frames = processes.map((p) => {
          const mod = p.modules().find((x) => x.name === m.name);
          if (!mod) return null;
          perms ??= p.permsAt(mod.base + offset);
          return p.presentFrame(mod.base + offset);
        });
        const present = frames.filter((f): f is number => f !== null);
        rows.push({ module: m.name, offset, perms: perms ?? '---p', frames, shared: present.length > 1 && present.every((f) => f === present[0]) });
      }
    }
  }
  return rows;
}
