// Character devices a guest opens by path: /dev/null, /dev/zero, /dev/full, /dev/random and /dev/urandom
// behave as the kernel's drivers do (picemu's random bytes, so a seed fixes them); stat shows the host's node.
import { statSync } from 'node:fs';
import { ENOSPC } from '../errno.ts';
import type { Kernel } from '../kernel.ts';
import { FileDescription, type FileStat, type ReadResult, type WriteResult } from './file.ts';
import { statOf } from './host-file.ts';
import { ALWAYS_READY, POLLIN, POLLRDNORM, type PollState } from './poll.ts';

type Device = 'null' | 'zero' | 'full' | 'random';
const DEVICES: Record<string, Device> = { '/dev/null': 'null', '/dev/zero': 'zero', '/dev/full': 'full', '/dev/random': 'random', '/dev/urandom': 'random' };

/** The device at `path`, if picemu provides it. */
export function deviceAt(path: string): Device | undefined {
  return DEVICES[path];
}

export class DeviceFile extends FileDescription {
  constructor(
    path: string,
    flags: number,
    private readonly device: Device,
    private readonly kernel: Kernel,
  ) {
    super(path, flags);
  }

  override read(length: number): ReadResult {
    return this.pread(length);
  }

  override write(bytes: Uint8Array): WriteResult {
    return this.pwrite(bytes);
  }

  override pread(length: number): ReadResult {
    const n = Math.min(length, 1 << 20);
    switch (this.device) {
      case 'null': return new Uint8Array(0);
      case 'zero': case 'full': return new Uint8Array(n);
      case 'random': return this.kernel.randomBytes(n);
    }
  }

  override pwrite(bytes: Uint8Array): WriteResult {
    return this.device === 'full' ? -ENOSPC : bytes.length;
  }

  override seek(): number {
    return 0; // these devices accept any seek and stay at 0
  }

  /** /dev/random alone has a poll method (random_poll); the others have none (always ready, and no epoll). */
  override get canPoll(): boolean {
    return this.path === '/dev/random';
  }

  /** random_poll once the pool is ready: readable only (its `ready ? IN : OUT` has no OUT then). */
  override poll(): PollState {
    return this.canPoll ? { mask: POLLIN | POLLRDNORM, queues: [] } : ALWAYS_READY;
  }

  override stat(): FileStat {
    return statOf(statSync(this.path, { bigint: true }));
  }
}
