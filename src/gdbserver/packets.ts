// The GDB Remote Serial Protocol's framing: `$payload#checksum` packets, acks, the 0x03 interrupt byte,
// binary escaping (`}` xor 0x20) and run-length decoding. No knowledge of what a packet means.

/** One thing read from the client's byte stream. */
export type Incoming =
  | { kind: 'packet'; payload: Buffer; checksumOk: boolean }
  | { kind: 'ack' }
  | { kind: 'nack' }
  | { kind: 'interrupt' };

/** Longest payload accepted (and announced as PacketSize); anything longer is dropped as malformed. */
export const MAX_PACKET = 0x4000;

export function checksum(bytes: Uint8Array): number {
  let sum = 0;
  for (const b of bytes) sum = (sum + b) & 0xff;
  return sum;
}

/** `$payload#xx` for a payload already escaped as the packet needs. */
export function frame(payload: Buffer): Buffer {
  const sum = checksum(payload).toString(16).padStart(2, '0');
  return Buffer.concat([Buffer.from('$'), payload, Buffer.from('#' + sum)]);
}

/** Escapes `#`, `$`, `}` and `*` in binary data (qXfer, vFile replies). */
export function escapeBinary(data: Uint8Array): Buffer {
  const out: number[] = [];
  for (const b of data) {
    if (b === 0x23 || b === 0x24 || b === 0x7d || b === 0x2a) out.push(0x7d, b ^ 0x20);
    else out.push(b);
  }
  return Buffer.from(out);
}

/** Undoes escapeBinary (X, vFile:pwrite data). */
export function unescapeBinary(data: Uint8Array): Buffer {
  const out: number[] = [];
  for (let k = 0; k < data.length; k++) {
    if (data[k] === 0x7d && k + 1 < data.length) out.push(data[++k]! ^ 0x20);
    else out.push(data[k]!);
  }
  return Buffer.from(out);
}

/** Expands run-length encoding (`c*n`: n - 29 more copies of c), which a client may use. */
function expandRunLength(data: Buffer): Buffer {
  if (!data.includes(0x2a)) return data;
  const out: number[] = [];
  for (let k = 0; k < data.length; k++) {
    if (data[k] === 0x2a && out.length > 0 && k + 1 < data.length) {
      const repeat = data[++k]! - 29;
      const c = out[out.length - 1]!;
      for (let r = 0; r < repeat; r++) out.push(c);
    } else {
      out.push(data[k]!);
    }
  }
  return Buffer.from(out);
}

/**
 * Splits the client's byte stream into packets, acks and interrupts. Bytes between packets that are none of
 * these are skipped; a packet longer than MAX_PACKET is dropped (the client sees no ack and no reply for it).
 */
export class PacketReader {
  private pending: Buffer = Buffer.alloc(0);

  push(chunk: Buffer): Incoming[] {
    this.pending = this.pending.length ? Buffer.concat([this.pending, chunk]) : chunk;
    const out: Incoming[] = [];
    let k = 0;
    while (k < this.pending.length) {
      const b = this.pending[k]!;
      if (b === 0x2b) { out.push({ kind: 'ack' }); k++; continue; }
      if (b === 0x2d) { out.push({ kind: 'nack' }); k++; continue; }
      if (b === 0x03) { out.push({ kind: 'interrupt' }); k++; continue; }
      if (b !== 0x24) { k++; continue; }
      const end = this.pending.indexOf(0x23, k + 1);
      if (end < 0) {
        if (this.pending.length - k > MAX_PACKET + 4) { k = this.pending.length; break; } // no end in sight: drop
        break;
      }
      if (end + 2 >= this.pending.length) break; // checksum digits still to come
      const raw = this.pending.subarray(k + 1, end);
      const sum = parseInt(this.pending.subarray(end + 1, end + 3).toString('latin1'), 16);
      k = end + 3;
      if (raw.length > MAX_PACKET) continue;
      out.push({ kind: 'packet', payload: expandRunLength(Buffer.from(raw)), checksumOk: sum === checksum(raw) });
    }
    this.pending = this.pending.subarray(k);
    return out;
  }
}

export const hexOf = (bytes: Uint8Array): string => Buffer.from(bytes).toString('hex');
export const textHex = (text: string): string => Buffer.from(text, 'utf8').toString('hex');

/** Bytes from an even-length hex string; undefined when it is not one. */
export function bytesOfHex(text: string): Buffer | undefined {
  if (text.length % 2 !== 0 || !/^[0-9a-fA-F]*$/.test(text)) return undefined;
  return Buffer.from(text, 'hex');
}

/** A hex number as the protocol writes them (no 0x); undefined when `text` is not one. */
export function parseHex(text: string): bigint | undefined {
  if (!/^[0-9a-fA-F]{1,16}$/.test(text)) return undefined;
  return BigInt('0x' + text);
}
