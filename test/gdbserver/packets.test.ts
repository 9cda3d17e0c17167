// The remote protocol's framing against the GDB manual's own examples: `$OK#9a`, run-length `0* ` (four
// zeros), binary escapes of `#$}*`, acks, Ctrl-C, packets split across reads, and oversized input dropped.
import { describe, expect, it } from 'vitest';
import { escapeBinary, frame, MAX_PACKET, PacketReader, unescapeBinary } from '../../src/gdbserver/packets.ts';

describe('RSP framing', () => {
  it('frames with the checksum gdb expects ($OK#9a, $#00)', () => {
    expect(frame(Buffer.from('OK')).toString()).toBe('$OK#9a');
    expect(frame(Buffer.alloc(0)).toString()).toBe('$#00');
  });

  it('reads packets, acks and interrupts from a stream cut anywhere; expands run-length encoding', () => {
    const stream = Buffer.from('+$qC#b4-\x03$m0* ,4#00garbage$vCont;c#a8');
    const r = new PacketReader();
    const items = [...stream].flatMap((b) => r.push(Buffer.from([b])));
    expect(items.map((i) => i.kind)).toEqual(['ack', 'packet', 'nack', 'interrupt', 'packet', 'packet']);
    const packets = items.filter((i) => i.kind === 'packet') as { payload: Buffer; checksumOk: boolean }[];
    expect(packets.map((p) => p.payload.toString())).toEqual(['qC', 'm0000,4', 'vCont;c']);
    expect(packets.map((p) => p.checksumOk)).toEqual([true, false, true]);
  });

  it('escapes and unescapes binary data as the manual says (0x7d, then the byte xor 0x20)', () => {
    const data = Buffer.from([0x23, 0x24, 0x7d, 0x2a, 0x00, 0xff]);
    expect([...escapeBinary(data)]).toEqual([0x7d, 0x03, 0x7d, 0x04, 0x7d, 0x5d, 0x7d, 0x0a, 0x00, 0xff]);
    expect([...unescapeBinary(escapeBinary(data))]).toEqual([...data]);
  });

  it('drops a packet longer than PacketSize and goes on with the next', () => {
    const r = new PacketReader();
    const items = r.push(Buffer.from(`$${'x'.repeat(MAX_PACKET + 10)}#00$qC#b4`));
    expect(items.map((i) => (i.kind === 'packet' ? i.payload.toString() : i.kind))).toEqual(['qC']);
    // Without an end in sight, the reader does not buffer without bound.
    const s = new PacketReader();
    expect(s.push(Buffer.from('$' + 'y'.repeat(MAX_PACKET * 2)))).toEqual([]);
    expect(s.push(Buffer.from('$qC#b4')).map((i) => i.kind)).toEqual(['packet']);
  });
});
