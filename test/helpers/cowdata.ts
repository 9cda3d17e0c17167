// Where to write in fixtures/libcowdata.so, found with readelf (never picemu): an element of cow_data in a
// middle page of the array, a page no relocation touches, and the value the file holds there.
import { readFileSync } from 'node:fs';
import { repoRoot, run } from './oracles.ts';

export const COW_LIB = `${repoRoot}/fixtures/libcowdata.so`;
const PAGE = 0x1000;

export interface CowTarget {
  /** Index of the element (cow_get(k), cow_set(k, v)). */
  k: number;
  /** Link-time address (= module offset) of the page holding it. */
  page: number;
  /** The element's value in the file (read with fs at its file offset). */
  original: number;
  /** Link-time addresses of every relocation slot (readelf -rW). */
  relocations: number[];
  /** Link-time [start, end) of cow_data. */
  array: [number, number];
}

export function cowTarget(): CowTarget {
  const sym = /^\s*\d+:\s+([0-9a-f]+)\s+(\d+)\s+OBJECT\s+LOCAL\s+\S+\s+\S+\s+cow_data$/m.exec(run('readelf', ['-sW', COW_LIB]))!;
  const start = parseInt(sym[1]!, 16);
  const end = start + Number(sym[2]);
  // The whole pages of the array; the middle one of them.
  const whole: number[] = [];
  for (let p = Math.ceil(start / PAGE) * PAGE; p + PAGE <= end; p += PAGE) whole.push(p);
  const page = whole[Math.floor(whole.length / 2)]!;
  const k = (page + 0x770 - start) / 4;
  // The file offset of that element, from the section holding it (.data: address and offset).
  const data = /\]\s+\.data\s+PROGBITS\s+([0-9a-f]+)\s+([0-9a-f]+)\s+([0-9a-f]+)/.exec(run('readelf', ['-SW', COW_LIB]))!;
  const fileOffset = parseInt(data[2]!, 16) + (start + 4 * k - parseInt(data[1]!, 16));
  const original = Buffer.from(readFileSync(COW_LIB)).readInt32LE(fileOffset);
  const relocations = [...run('readelf', ['-rW', COW_LIB]).matchAll(/^([0-9a-f]{8,16})\s+[0-9a-f]+\s+R_X86_64_/gm)].map((m) => parseInt(m[1]!, 16));
  return { k, page, original, relocations, array: [start, end] };
}
