// Notes (Elf64_Nhdr + name + descriptor) in PT_NOTE segments and SHT_NOTE sections.
import { ElfError, hexOf } from './errors.ts';
import { latin1, type Reader } from './reader.ts';
import type { ElfNote } from './types.ts';

const pad = (n: number, a: number) => Math.ceil(n / a) * a;

/** Parses the notes in [offset, offset + size); `align` is the container's alignment (8 selects 8-byte padding). */
export function parseNotes(r: Reader, label: string, offset: number, size: number, align: number): ElfNote[] {
  r.need(label, offset, size);
  const a = align === 8 ? 8 : 4;
  const end = offset + size;
  const out: ElfNote[] = [];
  let at = offset;
  let n = 0;
  while (at < end) {
    const f = (name: string) => `${label} note[${n}].${name}`;
    if (at + 12 > end) throw new ElfError(f('n_namesz'), at - offset, `header does not fit in the ${hexOf(size)} bytes of notes`, at);
    const namesz = r.u32(f('n_namesz'), at);
    const descsz = r.u32(f('n_descsz'), at + 4);
    const type = r.u32(f('n_type'), at + 8);
    const nameAt = at + 12;
    const descAligned = at + pad(12 + namesz, a);
    if (descAligned + descsz > end) throw new ElfError(f('n_descsz'), descsz, `with n_namesz ${hexOf(namesz)} runs past the end of the notes (${hexOf(end)})`, at + 4);
    let nameEnd = nameAt + namesz;
    while (nameEnd > nameAt && r.bytes[nameEnd - 1] === 0) nameEnd--;
    out.push({ entryOffset: at, name: latin1(r.bytes, nameAt, nameEnd), type, desc: r.bytes.subarray(descAligned, descAligned + descsz) });
    at = descAligned + pad(descsz, a);
    n++;
  }
  return out;
}
