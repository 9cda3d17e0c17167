// Virtual file systems (/proc, /sys): trees picemu builds from its own state, mounted in the Vfs at a prefix.
// A lookup gets the calling task (for /proc/self) and the path below the mount point ('' for its root).
import type { Task } from '../task.ts';

export type VirtualNode =
  /** A file whose content is generated when it is opened (as seq_file does). */
  | { kind: 'file'; content: () => Uint8Array; mode?: number; /** Reads at an offset without a snapshot (pagemap: too large for one). */ read?: (offset: number, length: number) => Uint8Array }
  | { kind: 'dir'; list: () => string[]; mode?: number }
  | { kind: 'symlink'; target: string };

export interface VirtualFs {
  lookup(task: Task, path: string): VirtualNode | undefined;
}
