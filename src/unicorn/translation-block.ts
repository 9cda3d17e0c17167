// Where unicorn's (QEMU's) translated block starting at an address ends, for HOOK_BLOCK's size: QEMU's block
// boundaries differ from picemu's decoded blocks (it does not stop at cpuid, rdtsc or page ends, nor after 64
// instructions), and the block hook reports QEMU's.
import { Code, Decoder, DecoderError, DecoderOptions, FlowControl, Mnemonic } from 'iced-x86';

/** Flow controls after which QEMU's i386 translator ends a block. */
const ENDS_BLOCK_FLOW = new Set<FlowControl>([
  FlowControl.UnconditionalBranch,
  FlowControl.IndirectBranch,
  FlowControl.ConditionalBranch,
  FlowControl.Return,
  FlowControl.Call,
  FlowControl.IndirectCall,
  FlowControl.Interrupt,
  FlowControl.XbeginXabortXend,
  FlowControl.Exception,
]);

/** Other instructions QEMU ends a block after (gen_eob): they may change what the next instruction sees. */
const ENDS_BLOCK_MNEMONIC = new Set<Mnemonic>([
  Mnemonic.Syscall,
  Mnemonic.Sysenter,
  Mnemonic.Sysexit,
  Mnemonic.Sysret,
  Mnemonic.Hlt,
  Mnemonic.Popf,
  Mnemonic.Popfd,
  Mnemonic.Popfq,
  Mnemonic.Sti,
  Mnemonic.Pause,
]);

/** QEMU stops a block once it spans TARGET_PAGE_SIZE - 32 bytes, or at TCG_MAX_INSNS instructions. */
const MAX_BYTES = 4096 - 32;
const MAX_INSNS = 512;

/**
 * The size in bytes and instruction count of the block QEMU translates at `address`, given the code bytes there (as many as are
 * mapped, up to MAX_BYTES + 15) and the run's exits (unicorn ends a block before its `until` address).
 */
export function translationBlock(code: Uint8Array, address: number, bitness: 32 | 64, exits: readonly number[]): { size: number; instructions: number } {
  const decoder = new Decoder(bitness, code, DecoderOptions.None);
  decoder.ip = BigInt(address);
  let size = 0;
  let n = 0;
  try {
    for (; n < MAX_INSNS && decoder.canDecode; n++) {
      const at = address + size;
      if (n > 0 && exits.includes(at)) break;
      const ins = decoder.decode();
      try {
        // Bytes that run out (the next page unmapped) end the block where they start.
        if (decoder.lastError === DecoderError.NoMoreBytes) break;
        size += ins.length;
        if (ins.code === Code.INVALID || ENDS_BLOCK_FLOW.has(ins.flowControl) || ENDS_BLOCK_MNEMONIC.has(ins.mnemonic)) {
          n++;
          break;
        }
      } finally {
        ins.free();
      }
      if (size >= MAX_BYTES) {
        n++;
        break;
      }
    }
  } finally {
    decoder.free();
  }
  return { size, instructions: n };
}
