// Instruction text for traces, the REPL and the CLI: capstone-wasm in Intel syntax (what SPEC.md's `asm` field holds).
import { Capstone, Const, loadCapstone } from 'capstone-wasm';

export interface DisassembledInstruction {
  /** Mapped address of the instruction. */
  address: number;
  size: number;
  bytes: Uint8Array;
  /** e.g. `mov eax, dword ptr [rip + 0x2f0a]` */
  text: string;
}

let engines: Promise<{ 64: Capstone; 32: Capstone }> | undefined;

/** Capstone's wasm module loads once per process (internal: capstone-wasm's types stay out of picemu's declarations). */
function loadDisassembler(): Promise<{ 64: Capstone; 32: Capstone }> {
  if (!engines) {
    engines = loadCapstone().then(() => ({
      64: new Capstone(Const.CS_ARCH_X86, Const.CS_MODE_64),
      32: new Capstone(Const.CS_ARCH_X86, Const.CS_MODE_32),
    }));
  }
  return engines;
}

let loaded: { 64: Capstone; 32: Capstone } | undefined;

/** Ready for `disassembleSync` once resolved. */
export async function ensureDisassembler(): Promise<void> {
  loaded = await loadDisassembler();
}

/**
 * Disassembles up to `count` instructions from `bytes`, placed at `address`. Stops early at bytes capstone
 * cannot decode (the caller shows those as `(bad)`). Requires `ensureDisassembler()` to have resolved.
 */
export function disassembleSync(bytes: Uint8Array, address: number, count = 0, bitness: 64 | 32 = 64): DisassembledInstruction[] {
  if (!loaded) throw new Error('disassembler not loaded: await ensureDisassembler() first');
  return loaded[bitness].disasm(bytes, { address, count }).map((insn) => ({
    address: Number(insn.address),
    size: insn.size,
    bytes: Uint8Array.from(insn.bytes),
    text: insn.opStr ? `${insn.mnemonic} ${insn.opStr}` : insn.mnemonic,
  }));
}

/** The text of the one instruction at the start of `bytes`, or `(bad)`. */
export function instructionText(bytes: Uint8Array, address: number, bitness: 64 | 32 = 64): string {
  const [first] = disassembleSync(bytes, address, 1, bitness);
  return first ? first.text : '(bad)';
}

export async function disassemble(bytes: Uint8Array, address: number, count = 0, bitness: 64 | 32 = 64): Promise<DisassembledInstruction[]> {
  await ensureDisassembler();
  return disassembleSync(bytes, address, count, bitness);
}
