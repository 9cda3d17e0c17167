// Names a guest address for messages: the mapped file and the symbol containing it (from .symtab or .dynsym of
// the file itself), e.g. `libc.so.6:__memmove_sse2_unaligned_erms+0x1f`, or `[stack]+0x10`, or the bare address.
import { basename } from 'node:path';
import { PAGE_SIZE } from '../mm/types.ts';
import { instructionText } from '../trace/disassemble.ts';
import { elfOfFile } from '../trace/mapped-elf.ts';
import type { Task } from './task.ts';

export function describeAddress(task: Task, va: number): string {
  const vma = task.space.vmaAt(va);
  if (!vma) return `0x${va.toString(16)}`;
  const file = vma.file && !vma.file.inode.anonymous ? vma.file : undefined;
  if (!file) return vma.name ? `${vma.name}+0x${(va - vma.start).toString(16)}` : `0x${va.toString(16)}`;
  const name = basename(file.identity.path);
  const offset = va - vma.start + vma.pgoff * PAGE_SIZE;
  const elf = elfOfFile(file.inode);
  const load = elf?.loads.find((p) => offset >= p.offset && offset < p.offset + p.filesz);
  if (!elf || !load) return `${name}+0x${offset.toString(16)}`;
  const link = offset - load.offset + load.vaddr;
  let best: { name: string; value: number } | undefined;
  for (const s of [...(elf.symtab ?? []), ...elf.dynamicSymbols]) {
    // Defined functions that contain the address (an import has value 0; a size-0 symbol only names its own address).
    if (!s.name || s.type !== 2 /* STT_FUNC */ || s.value === 0 || s.value > link) continue;
    if (link >= s.value + Math.max(s.size, 1)) continue;
    if (!best || s.value > best.value) best = { name: s.name, value: s.value };
  }
  return best ? `${name}:${best.name}+0x${(link - best.value).toString(16)}` : `${name}+0x${link.toString(16)}`;
}

/** The instruction at `rip` in capstone's Intel syntax, as traces show it; undefined when capstone is not loaded. */
export function instructionAt(task: Task, rip: number): string | undefined {
  const bytes = task.space.peek(rip, 15) ?? task.space.peek(rip, 1);
  if (!bytes) return undefined;
  try {
    const text = instructionText(bytes, rip);
    return text === '(bad)' ? undefined : text;
  } catch {
    return undefined; // capstone's wasm not loaded (ensureDisassembler)
  }
}
