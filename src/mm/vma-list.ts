// An address space's VMAs, sorted and non-overlapping, with the kernel's surgery on them: lookup,
// split, insert-with-merge (vma_merge_new_range), mprotect_fixup's merge-or-split, anon_vma_prepare.
import { type Vma, anonVmaCompatible, canMerge, isMergeableAnonVma, vmaKind } from './vma.ts';
import { PAGE_SIZE, PROT_WRITE, type Prot, type VirtAddr } from './types.ts';

let nextAnonVma = 1;

/** A new anon_vma id (anon_vma_alloc). */
export function newAnonVma(): number {
  return nextAnonVma++;
}

export class VmaList {
  /** Sorted by start, non-overlapping. */
  private readonly vmas: Vma[] = [];
  private lastVma: Vma | undefined;
  /**
   * Moves with every change to what maps shows (a VMA added, removed, split, merged, grown, or its protection
   * changed), and only then: a trace labels its steps with the mappings of the generation current at each step.
   */
  generation = 0;

  get length(): number {
    return this.vmas.length;
  }

  /** The VMAs, lowest first (the live records). */
  all(): readonly Vma[] {
    return this.vmas;
  }

  /** Adds a VMA above every other, as is, without merging (dup_mmap copies the parent's VMAs one by one). */
  appendUnmerged(vma: Vma): void {
    const last = this.vmas[this.vmas.length - 1];
    if (last && last.end > vma.start) throw new RangeError(`VMA at 0x${vma.start.toString(16)} is not above the last one`);
    this.vmas.push(vma);
    this.generation++;
  }

  at(i: number): Vma | undefined {
    return this.vmas[i];
  }

  /** The VMA containing `va`. */
  find(va: VirtAddr): Vma | undefined {
    const last = this.lastVma;
    if (last && va >= last.start && va < last.end) return last;
    const vmas = this.vmas;
    let lo = 0;
    let hi = vmas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const v = vmas[mid];
      if (va < v.start) hi = mid - 1;
      else if (va >= v.end) lo = mid + 1;
      else {
        this.lastVma = v;
        return v;
      }
    }
    return undefined;
  }

  /** Index of the first VMA with end > va (length if none). */
  firstEndingAfter(va: VirtAddr): number {
    const vmas = this.vmas;
    let lo = 0;
    let hi = vmas.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (vmas[mid].end <= va) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  overlaps(start: VirtAddr, end: VirtAddr): boolean {
    const i = this.firstEndingAfter(start);
    return i < this.vmas.length && this.vmas[i].start < end;
  }

  /** Removes [start, end): VMAs split at the ends. Returns whether anything was there. */
  removeRange(start: VirtAddr, end: VirtAddr): boolean {
    let i = this.firstEndingAfter(start);
    if (i >= this.vmas.length || this.vmas[i].start >= end) return false;
    if (this.vmas[i].start < start) {
      this.split(i, start);
      i++;
    }
    let j = i;
    while (j < this.vmas.length && this.vmas[j].start < end) {
      if (this.vmas[j].end > end) this.split(j, end);
      j++;
    }
    this.vmas.splice(i, j - i);
    this.lastVma = undefined;
    this.generation++;
    return true;
  }

  /** Splits vmas[i] at `at` (strictly inside it) into two VMAs. */
  split(i: number, at: VirtAddr): void {
    const v = this.vmas[i];
    const upper: Vma = { ...v, start: at, pgoff: v.pgoff + (at - v.start) / PAGE_SIZE };
    v.end = at;
    this.vmas.splice(i + 1, 0, upper);
    this.lastVma = undefined;
    this.generation++;
  }

  /** Inserts a new VMA (its range is free), merging with its neighbours as vma_merge_new_range does. */
  insertMerging(vma: Vma): void {
    const i = this.firstEndingAfter(vma.start);
    const prev = i > 0 && this.vmas[i - 1].end === vma.start ? this.vmas[i - 1] : undefined;
    const next = i < this.vmas.length && this.vmas[i].start === vma.end ? this.vmas[i] : undefined;
    const left = prev !== undefined && canMerge(prev, vma);
    let right = next !== undefined && canMerge(vma, next);
    if (left && right && !isMergeableAnonVma(prev!, next!)) right = false;
    this.lastVma = undefined;
    this.generation++;
    if (left && right) {
      prev!.end = next!.end;
      prev!.anonVma ??= next!.anonVma;
      this.vmas.splice(i, 1);
    } else if (left) {
      prev!.end = vma.end;
    } else if (right) {
      next!.start = vma.start;
      next!.pgoff = vma.pgoff;
    } else {
      this.vmas.splice(i, 0, vma);
    }
  }

  /**
   * mprotect_fixup for [start, end) inside vmas[i]: VM_ACCOUNT bookkeeping, then merge with prev/next
   * (vma_merge_existing_range) or split. Returns the index of the VMA now ending at `end`.
   */
  mprotectFixup(i: number, start: VirtAddr, end: VirtAddr, prot: Prot): number {
    const middle = this.vmas[i];
    if (middle.prot === prot) return i;
    let account = middle.account;
    if (prot & PROT_WRITE) {
      if (!middle.account && !(middle.prot & PROT_WRITE) && !middle.shared) account = true;
    } else if (middle.account && vmaKind(middle) === 'anonymous' && middle.anonVma === null) {
      account = false;
    }
    const candidate: Vma = { ...middle, start, end, prot, account, pgoff: middle.pgoff + (start - middle.start) / PAGE_SIZE };
    const leftSide = start === middle.start;
    const rightSide = end === middle.end;
    const prev = i > 0 && this.vmas[i - 1].end === start ? this.vmas[i - 1] : undefined;
    const next = i + 1 < this.vmas.length && this.vmas[i + 1].start === end ? this.vmas[i + 1] : undefined;
    const left = leftSide && prev !== undefined && canMerge(prev, candidate);
    let right = rightSide && next !== undefined && canMerge(candidate, next);
    if (left && right && !isMergeableAnonVma(prev!, next!)) right = false;
    this.lastVma = undefined;
    this.generation++;
    if (left && right) {
      prev!.end = next!.end;
      prev!.anonVma ??= middle.anonVma ?? next!.anonVma;
      this.vmas.splice(i, 2);
      return i - 1;
    }
    if (left) {
      prev!.end = end;
      prev!.anonVma ??= middle.anonVma;
      if (rightSide) {
        this.vmas.splice(i, 1);
      } else {
        middle.pgoff += (end - middle.start) / PAGE_SIZE;
        middle.start = end;
      }
      return i - 1;
    }
    if (right) {
      next!.start = start;
      next!.pgoff = candidate.pgoff;
      next!.anonVma ??= middle.anonVma;
      if (leftSide) {
        this.vmas.splice(i, 1);
        return i;
      }
      middle.end = start;
      return i + 1;
    }
    if (start > middle.start) {
      this.split(i, start);
      i++;
    }
    if (end < this.vmas[i].end) this.split(i, end);
    const target = this.vmas[i];
    target.prot = prot;
    target.account = account;
    return i;
  }

  /**
   * anon_vma_prepare: a VMA getting its first anonymous page reuses a neighbour's anon_vma when the two
   * could have been one VMA (find_mergeable_anon_vma: next first, then prev), else gets a new one.
   */
  prepareAnonVma(vma: Vma): void {
    if (vma.anonVma !== null) return;
    const i = this.vmas.indexOf(vma);
    const next = this.vmas[i + 1];
    if (next && next.anonVma !== null && !next.forkedAnonVma && anonVmaCompatible(vma, next)) {
      vma.anonVma = next.anonVma;
      return;
    }
    const prev = this.vmas[i - 1];
    if (prev && prev.anonVma !== null && !prev.forkedAnonVma && anonVmaCompatible(prev, vma)) {
      vma.anonVma = prev.anonVma;
      return;
    }
    vma.anonVma = newAnonVma();
  }

  /** expand_downwards: a VM_GROWSDOWN VMA now starts at `start` (the caller checked the gap and the limit). */
  extendDown(vma: Vma, start: VirtAddr): void {
    vma.pgoff -= (vma.start - start) / PAGE_SIZE;
    vma.start = start;
    this.lastVma = undefined;
    this.generation++;
  }
}
