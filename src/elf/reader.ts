// Bounds-checked little-endian reads over the file's bytes. Every read names the field it reads so a
// failure is an ElfError with that field and offset; 64-bit values must fit in 2^53.
import { ElfError, hexOf } from './errors.ts';

const TWO32 = 0x1_0000_0000;

export class Reader {
  readonly bytes: Uint8Array;
  readonly size: number;
  private readonly view: DataView;

  constructor(bytes: Uint8Array) {
    this.bytes = bytes;
    this.size = bytes.length;
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Throws unless [offset, offset + length) lies inside the file. */
  need(field: string, offset: number, length: number, what = 'extends past end of file'): void {
    if (!(Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 0 && offset + length <= this.size)) {
      throw new ElfError(field, offset, `(${hexOf(length)} bytes) ${what} (size ${hexOf(this.size)})`, Number.isSafeInteger(offset) && offset >= 0 ? offset : 0);
    }
  }

  /** True when [offset, offset + length) lies inside the file. */
  fits(offset: number, length: number): boolean {
    return Number.isSafeInteger(offset) && offset >= 0 && Number.isSafeInteger(length) && length >= 0 && offset + length <= this.size;
  }

  u8(field: string, offset: number): number {
    this.need(field, offset, 1);
    return this.bytes[offset]!;
  }

  u16(field: string, offset: number): number {
    this.need(field, offset, 2);
    return this.view.getUint16(offset, true);
  }

  u32(field: string, offset: number): number {
    this.need(field, offset, 4);
    return this.view.getUint32(offset, true);
  }

  /** An unsigned 64-bit field; ElfError when it does not fit in 2^53. */
  u64(field: string, offset: number): number {
    this.need(field, offset, 8);
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getUint32(offset + 4, true);
    if (hi > 0x1f_ffff) {
      throw new ElfError(field, this.view.getBigUint64(offset, true), 'is too large (over 2^53)', offset);
    }
    return hi * TWO32 + lo;
  }

  /** A signed 64-bit field; ElfError when its magnitude does not fit in 2^53. */
  i64(field: string, offset: number): number {
    this.need(field, offset, 8);
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getInt32(offset + 4, true);
    if (hi > 0x1f_ffff || hi < -0x20_0000 || (hi === -0x20_0000 && lo === 0)) {
      throw new ElfError(field, this.view.getBigInt64(offset, true), 'is too large in magnitude (over 2^53)', offset);
    }
    return hi * TWO32 + lo;
  }

  // Unchecked reads for hot loops: the caller has checked the whole table with need() first. The field name is
  // built only when a 64-bit value does not fit.
  u8x(offset: number): number {
    return this.bytes[offset]!;
  }

  u16x(offset: number): number {
    return this.view.getUint16(offset, true);
  }

  u32x(offset: number): number {
    return this.view.getUint32(offset, true);
  }

  u64x(offset: number, field: () => string): number {
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getUint32(offset + 4, true);
    if (hi > 0x1f_ffff) throw new ElfError(field(), this.view.getBigUint64(offset, true), 'is too large (over 2^53)', offset);
    return hi * TWO32 + lo;
  }

  i64x(offset: number, field: () => string): number {
    const lo = this.view.getUint32(offset, true);
    const hi = this.view.getInt32(offset + 4, true);
    if (hi > 0x1f_ffff || hi < -0x20_0000 || (hi === -0x20_0000 && lo === 0)) {
      throw new ElfError(field(), this.view.getBigInt64(offset, true), 'is too large in magnitude (over 2^53)', offset);
    }
    return hi * TWO32 + lo;
  }

  /** The raw 64-bit value, for printing (no range check beyond the bounds). */
  bigU64(field: string, offset: number): bigint {
    this.need(field, offset, 8);
    return this.view.getBigUint64(offset, true);
  }

  /** A NUL-terminated string starting at `offset` that must end before `limit` (exclusive). */
  cstring(field: string, offset: number, limit: number): string {
    const end = Math.min(limit, this.size);
    if (!(Number.isSafeInteger(offset) && offset >= 0 && offset < end)) {
      throw new ElfError(field, offset, `is outside its table (ends at ${hexOf(end)})`, Math.max(0, Math.min(offset, this.size)) || 0);
    }
    const rel = this.bytes.subarray(offset, end).indexOf(0);
    const nul = rel < 0 ? -1 : offset + rel;
    if (nul < 0) {
      throw new ElfError(field, offset, `names a string with no NUL before ${hexOf(end)}`, offset);
    }
    return latin1(this.bytes, offset, nul);
  }
}

/** Bytes → string, one char per byte (names are ASCII in practice; this never throws). */
export function latin1(bytes: Uint8Array, start: number, end: number): string {
  let s = '';
  for (let i = start; i < end; i += 4096) {
    s += String.fromCharCode.apply(null, bytes.subarray(i, Math.min(end, i + 4096)) as unknown as number[]);
  }
  return s;
}

/** A string table located in the file: [offset, offset + size). */
export interface StringTable {
  offset: number;
  size: number;
  /** What to call it in messages (e.g. `DT_STRTAB`, `.shstrtab`). */
  label: string;
  /** The table decoded once, and for each index the index of the next NUL (-1: none), filled in by tableString:
   * many names ending at one far NUL must not make lookups quadratic. */
  text?: string;
  nextNul?: Int32Array;
}

/** The string at `index` of `table`; `field` and `at` describe the field holding the index. */
export function tableString(r: Reader, table: StringTable, index: number, field: string, at: number): string {
  if (!(index >= 0 && index < table.size)) {
    throw new ElfError(field, index, `is past the end of ${table.label} (size ${hexOf(table.size)})`, at);
  }
  // Decode the table once; every name is then a slice of it.
  if (table.text === undefined || table.nextNul === undefined) {
    const end = Math.min(table.offset + table.size, r.size);
    table.text = latin1(r.bytes, table.offset, end);
    const next = new Int32Array(end - table.offset);
    let last = -1;
    for (let i = next.length - 1; i >= 0; i--) {
      if (r.bytes[table.offset + i] === 0) last = i;
      next[i] = last;
    }
    table.nextNul = next;
  }
  const nul = table.nextNul[index] ?? -1;
  if (nul < 0) throw new ElfError(field, index, `names a string in ${table.label} with no NUL before its end`, at);
  return table.text.slice(index, nul);
}
