// Guest memory for call arguments: a scratch area in the process where strings and buffers passed to a call
// are copied (their pointer is passed), and reading a NUL-terminated string back out.
import type { AddressSpace } from '../mm/address-space.ts';
import { PAGE_SIZE, PROT_READ, PROT_WRITE, type VirtAddr } from '../mm/types.ts';
import type { PlacedArg } from './call-args.ts';
import type { CallArgument } from './call-types.ts';

const SCRATCH_SIZE = 0x40000;

export class ArgumentMemory {
  private scratch: { start: VirtAddr; used: number; size: number } | undefined;

  /** `name`: how the area shows in maps (in an exec'ed process, so it never merges with a mapping ld.so made). */
  constructor(private readonly space: AddressSpace, private readonly name?: string) {}

  /** Maps the scratch area now (an exec'ed process: before ld.so places libraries, so it never takes their place). */
  reserve(): void {
    if (!this.scratch) this.scratch = { start: this.space.mmap({ length: SCRATCH_SIZE, prot: PROT_READ | PROT_WRITE, anonymous: true, ...(this.name ? { name: this.name } : {}) }), used: 0, size: SCRATCH_SIZE };
  }

  /** Copies bytes into the process's scratch memory (8-byte aligned) and returns their mapped address. */
  place(bytes: Uint8Array): VirtAddr {
    const need = Math.ceil(Math.max(bytes.length, 1) / 16) * 16;
    if (!this.scratch || this.scratch.used + need > this.scratch.size) {
      const size = Math.max(SCRATCH_SIZE, Math.ceil(need / PAGE_SIZE) * PAGE_SIZE);
      this.scratch = { start: this.space.mmap({ length: size, prot: PROT_READ | PROT_WRITE, anonymous: true, ...(this.name ? { name: this.name } : {}) }), used: 0, size };
    }
    const va = this.scratch.start + this.scratch.used;
    this.space.write(va, bytes);
    this.scratch.used += need;
    return va;
  }

  /** A NUL-terminated UTF-8 copy of `text` in guest memory. */
  placeString(text: string): VirtAddr {
    const encoded = new TextEncoder().encode(text);
    const bytes = new Uint8Array(encoded.length + 1);
    bytes.set(encoded);
    return this.place(bytes);
  }

  /** The NUL-terminated string at va (peek: no fault, no COW); null when unreadable. */
  readCString(va: VirtAddr, max = 1 << 20): string | null {
    const chunks: Uint8Array[] = [];
    let at = va;
    for (let total = 0; total < max; ) {
      const chunk = this.space.peek(at, PAGE_SIZE - (at % PAGE_SIZE));
      if (!chunk) return null;
      const nul = chunk.indexOf(0);
      if (nul >= 0) {
        chunks.push(chunk.subarray(0, nul));
        break;
      }
      chunks.push(chunk);
      total += chunk.length;
      at += chunk.length;
    }
    return Buffer.concat(chunks).toString('utf8');
  }

  /** An argument as the calling convention sees it: strings and buffers placed, their pointers passed. */
  placeArg(a: CallArgument): PlacedArg {
    if (typeof a === 'bigint') return { kind: 'int', value: a };
    if (typeof a === 'number') return Number.isInteger(a) ? { kind: 'int', value: BigInt(a) } : { kind: 'f64', value: a };
    if (typeof a === 'string') return { kind: 'int', value: BigInt(this.placeString(a)) };
    if (a instanceof Uint8Array) return { kind: 'int', value: BigInt(this.place(a)) };
    if ('kind' in a) {
      switch (a.kind) {
        case 'int': return { kind: 'int', value: a.value };
        case 'f64': return { kind: 'f64', value: a.value };
        case 'str': return { kind: 'int', value: BigInt(this.placeString(a.text)) };
        case 'hex': return { kind: 'int', value: BigInt(this.place(a.bytes)) };
      }
    }
    return { kind: 'f64', value: a.f64 };
  }
}
