// Where mmap puts a mapping that has no fixed address: the kernel's get_unmapped_area, top-down from
// mm->mmap_base (unmapped_area_topdown), keeping the stack guard gap below VM_GROWSDOWN mappings.
import { MmError } from './errors.ts';
import { MMAP_MIN_ADDR, TASK_SIZE, pageAlignDown } from './layout.ts';
import { vmStartGap } from './vma.ts';
import type { VmaList } from './vma-list.ts';
import type { VirtAddr } from './types.ts';

/** A free range of `length` bytes: the hinted one if free, else the highest below `mmapBase`, else any. */
export function unmappedArea(vmas: VmaList, length: number, mmapBase: VirtAddr, hint?: VirtAddr): VirtAddr {
  if (hint !== undefined && hint !== 0) {
    const h = Math.max(pageAlignDown(hint), MMAP_MIN_ADDR);
    if (h + length <= TASK_SIZE && gapFree(vmas, h, h + length)) return h;
  }
  const found = searchTopDown(vmas, length, MMAP_MIN_ADDR, mmapBase) ?? searchTopDown(vmas, length, MMAP_MIN_ADDR, TASK_SIZE);
  if (found === undefined) throw new MmError('ENOMEM', `no free range of 0x${length.toString(16)} bytes`);
  return found;
}

function gapFree(vmas: VmaList, start: VirtAddr, end: VirtAddr): boolean {
  const next = vmas.at(vmas.firstEndingAfter(start));
  return !(next && vmStartGap(next) < end);
}

function searchTopDown(list: VmaList, length: number, low: VirtAddr, high: VirtAddr): VirtAddr | undefined {
  const vmas = list.all();
  for (let j = vmas.length - 1; j >= -1; j--) {
    const above = vmas[j + 1];
    const gapTop = Math.min(above ? vmStartGap(above) : TASK_SIZE, high);
    const gapBottom = Math.max(j >= 0 ? vmas[j].end : 0, low);
    if (j >= 0 && vmas[j].end >= high) continue;
    if (gapTop - gapBottom >= length) return gapTop - length;
  }
  return undefined;
}
