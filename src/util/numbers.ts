// Parsing and printing the numbers users type and read: decimal or 0x hex, possibly negative.

/** Parses a decimal, negative or 0x-hex integer exactly; undefined when `text` is not one. */
export function parseInteger(text: string): bigint | undefined {
  const m = /^(-)?(0x[0-9a-f]+|[0-9]+)$/i.exec(text.trim());
  if (!m) return undefined;
  const v = BigInt(m[2]);
  return m[1] ? -v : v;
}

/** `0x`-prefixed lowercase hex of a non-negative number or bigint. */
export function hex(value: number | bigint): string {
  return '0x' + value.toString(16);
}
