// For engines that can map only frames of their own heap (unicorn-engine in WebAssembly): the vDSO's pages are
// windows into the kernel's one image ([vvar], [vvar_vclock], [vdso]), which such an engine cannot map, so an
// exec'ed process on it gets private copies of them at the same addresses, names and protections; the time data
// page is copied again from the kernel's image before each call (the kernel rewrites it, as Linux does every tick).
import type { AddressSpace } from '../mm/address-space.ts';
import { PAGE_SIZE, PROT_EXEC, type VirtAddr } from '../mm/types.ts';

export class VdsoCopies {
  private constructor(
    private readonly space: AddressSpace,
    private readonly copies: readonly { start: VirtAddr; source: Uint8Array }[],
  ) {}

  /** Replaces every mapping of `space` backed by a host buffer with an anonymous copy of its bytes. */
  static install(space: AddressSpace): VdsoCopies {
    const copies: { start: VirtAddr; source: Uint8Array }[] = [];
    for (const vma of [...space.mappings()]) {
      if (!vma.backing) continue;
      const length = vma.end - vma.start;
      const source = vma.backing.subarray(vma.pgoff * PAGE_SIZE, vma.pgoff * PAGE_SIZE + length);
      const { start, prot, name } = vma;
      space.munmap(start, length);
      space.mmap({ addr: start, length, prot, fixed: true, anonymous: true, ...(name ? { name } : {}) });
      space.poke(start, source);
      if (!(prot & PROT_EXEC)) copies.push({ start, source }); // data pages; the code never changes
    }
    return new VdsoCopies(space, copies);
  }

  /** The same copies in a fork of the process (same addresses, its own address space). */
  inSpace(space: AddressSpace): VdsoCopies {
    return new VdsoCopies(space, this.copies);
  }

  /** Copies the kernel's current bytes of the data pages (the time data page) into this process's copies. */
  refresh(): void {
    for (const c of this.copies) this.space.poke(c.start, c.source);
  }
}
