// ElfError: the only thing the ELF parser throws. It names the field, its value and the file offset.

export class ElfError extends Error {
  override name = 'ElfError';
  /** The ELF field at fault (e.g. `e_phoff`, `sh_size`, `DT_STRSZ`, `versym[12]`). */
  readonly field: string;
  /** Its value as read (a number, a bigint when it does not fit in 2^53, or a string). */
  readonly value: number | bigint | string;
  /** File offset of the field (or of the structure that holds it). */
  readonly offset: number;
  /** The file's name, when parseElf was given one. */
  file?: string;

  /** `problem` completes "<field> <value> …", e.g. `points past end of file (size 0x3f00)`. */
  constructor(field: string, value: number | bigint | string, problem: string, offset: number) {
    super(`${field} ${showValue(value)} ${problem} at offset ${hexOf(offset)}`);
    this.field = field;
    this.value = value;
    this.offset = offset;
  }
}

function showValue(value: number | bigint | string): string {
  if (typeof value === 'string') return JSON.stringify(value);
  return hexOf(value);
}

/** `0x` hex of a number or bigint (negative numbers as -0x…). */
export function hexOf(value: number | bigint): string {
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  const big = typeof value === 'bigint' ? value : BigInt(Math.trunc(value));
  return big < 0n ? '-0x' + (-big).toString(16) : '0x' + big.toString(16);
}
