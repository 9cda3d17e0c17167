// Guest memory as system calls see it (copy_to_user, copy_from_user, strncpy_from_user): page by page, as the
// guest would access it; a bad pointer gives a short count (the caller returns -EFAULT), never a host exception.
import type { AddressSpace } from '../mm/address-space.ts';
import { TASK_SIZE } from '../mm/layout.ts';
import { PAGE_SIZE, PageFault, type VirtAddr } from '../mm/types.ts';

/** access_ok: [va, va+length) lies below TASK_SIZE. */
export function accessOk(va: bigint | number, length: bigint | number): boolean {
  return BigInt(va) + BigInt(length) <= BigInt(TASK_SIZE) && BigInt(va) >= 0n;
}

/** Writes `bytes` at `va` (PROT_WRITE needed, copy-on-write broken); returns the bytes written before a fault. */
export function copyToUser(space: AddressSpace, va: VirtAddr, bytes: Uint8Array): number {
  if (!accessOk(va, bytes.length)) return 0;
  let done = 0;
  while (done < bytes.length) {
    const at = va + done;
    const n = Math.min(PAGE_SIZE - (at % PAGE_SIZE), bytes.length - done);
    try {
      space.write(at, bytes.subarray(done, done + n));
    } catch (e) {
      if (e instanceof PageFault) return done;
      throw e;
    }
    done += n;
  }
  return done;
}

/** Reads `length` bytes at `va`; shorter when a page faults. */
export function copyFromUser(space: AddressSpace, va: VirtAddr, length: number): Uint8Array {
  if (!accessOk(va, length)) return new Uint8Array(0);
  const out = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const at = va + done;
    const n = Math.min(PAGE_SIZE - (at % PAGE_SIZE), length - done);
    try {
      out.set(space.read(at, n), done);
    } catch (e) {
      if (e instanceof PageFault) return out.subarray(0, done);
      throw e;
    }
    done += n;
  }
  return out;
}

/** strncpy_from_user: the NUL-terminated string at `va` (at most `max` bytes before the NUL); null on a fault, 'too-long' past max. */
export function stringFromUser(space: AddressSpace, va: VirtAddr, max = 4096): Uint8Array | null | 'too-long' {
  const chunks: Uint8Array[] = [];
  let total = 0;
  let at = va;
  for (;;) {
    const n = PAGE_SIZE - (at % PAGE_SIZE);
    const chunk = copyFromUser(space, at, n);
    const nul = chunk.indexOf(0);
    if (nul >= 0) {
      chunks.push(chunk.subarray(0, nul));
      total += nul;
      break;
    }
    if (chunk.length < n) return null;
    chunks.push(chunk);
    total += n;
    at += n;
    if (total > max) return 'too-long';
  }
  if (total >= max) return 'too-long';
  return Buffer.concat(chunks);
}

/** A little-endian u64 array read from the guest (argv/envp vectors, iovecs); null on a fault. */
export function u64sFromUser(space: AddressSpace, va: VirtAddr, count: number): bigint[] | null {
  const bytes = copyFromUser(space, va, count * 8);
  if (bytes.length < count * 8) return null;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return Array.from({ length: count }, (_, k) => view.getBigUint64(8 * k, true));
}
