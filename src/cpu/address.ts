// 64-bit addresses as JS numbers: canonical addresses are kept sign-extended (the kernel half is negative), so
// every canonical address is exact in a double; non-canonical ones have no number and fault where the CPU does.

const TWO32 = 4294967296;

/** The sign-extended number of the canonical address (lo, hi), or NaN when it is not canonical. */
export function canonicalNumber(lo: number, hi: number): number {
  if (hi < 0x8000) return hi * TWO32 + lo;
  if (hi >= 0xffff8000) return (hi - TWO32) * TWO32 + lo;
  return NaN;
}

/** A 64-bit bigint (any signedness) as a sign-extended number; exact for canonical addresses. */
export function addressFromBigInt(v: bigint): number {
  return Number(BigInt.asIntN(64, v));
}

/** The unsigned 64-bit value of a sign-extended address number. */
export function addressToBigInt(a: number): bigint {
  return BigInt.asUintN(64, BigInt(a));
}

/** Hex of an address number as the CPU sees it (0xffff... for the kernel half). */
export function addressHex(a: number): string {
  return '0x' + (Number.isSafeInteger(a) ? addressToBigInt(a).toString(16) : String(a));
}
