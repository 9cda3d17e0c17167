// The x86-64 dynamic relocations ld.so applies, as a table: type -> name, formula. The linker looks the
// type up here; a type that is not in the table is reported once, by name.
//   B: the module's base (l_addr)   A: the addend   S: the symbol's mapped address
//   S.value: the symbol's st_value (unrelocated)   M: the defining module's TLS module id
//   T: the defining module's static TLS offset below the thread pointer (glibc's l_tls_offset)
import * as C from '../elf/index.ts';

export interface SymbolBinding {
  /** S: the mapped address (0 for an undefined weak symbol). */
  address: bigint;
  /** st_value of the definition. */
  stValue: bigint;
  /** TLS module id and offset of the defining module (for TLS types). */
  tlsModid?: number;
  tlsOffset?: number;
}

export interface RelocationInputs {
  base: bigint;
  addend: bigint;
  /** The symbol, or for symbol index 0 the module itself (address = base, stValue 0). */
  symbol: SymbolBinding;
}

export interface RelocationKind {
  name: string;
  /** The formula in the psABI's notation, for documentation and traces. */
  formula: string;
  /** Resolves a symbol when the relocation names one (false: relative to the module only). */
  symbolic: boolean;
  /** The value needs the CPU (an ifunc resolver at B + A). */
  needsResolver?: boolean;
  /** The 64-bit value to store, or undefined when it cannot be computed here (a TLS offset nobody assigned). */
  compute(inputs: RelocationInputs): bigint | undefined;
}

const u64 = (v: bigint) => BigInt.asUintN(64, v);

export const relocationTable: ReadonlyMap<number, RelocationKind> = new Map<number, RelocationKind>([
  [C.R_X86_64_RELATIVE, { name: 'R_X86_64_RELATIVE', formula: 'B + A', symbolic: false, compute: ({ base, addend }) => u64(base + addend) }],
  [C.R_X86_64_64, { name: 'R_X86_64_64', formula: 'S + A', symbolic: true, compute: ({ symbol, addend }) => u64(symbol.address + addend) }],
  [C.R_X86_64_GLOB_DAT, { name: 'R_X86_64_GLOB_DAT', formula: 'S', symbolic: true, compute: ({ symbol, addend }) => u64(symbol.address + addend) }],
  [C.R_X86_64_JUMP_SLOT, { name: 'R_X86_64_JUMP_SLOT', formula: 'S', symbolic: true, compute: ({ symbol, addend }) => u64(symbol.address + addend) }],
  [C.R_X86_64_DTPMOD64, { name: 'R_X86_64_DTPMOD64', formula: 'M', symbolic: true, compute: ({ symbol }) => (symbol.tlsModid === undefined ? undefined : BigInt(symbol.tlsModid)) }],
  [C.R_X86_64_DTPOFF64, { name: 'R_X86_64_DTPOFF64', formula: 'S.value + A', symbolic: true, compute: ({ symbol, addend }) => u64(symbol.stValue + addend) }],
  [
    C.R_X86_64_TPOFF64,
    {
      name: 'R_X86_64_TPOFF64',
      formula: 'S.value + A - T',
      symbolic: true,
      compute: ({ symbol, addend }) => (symbol.tlsOffset === undefined ? undefined : u64(symbol.stValue + addend - BigInt(symbol.tlsOffset))),
    },
  ],
  [C.R_X86_64_IRELATIVE, { name: 'R_X86_64_IRELATIVE', formula: 'resolver(B + A)', symbolic: false, needsResolver: true, compute: () => undefined }],
]);

/** The readelf name of any relocation type (for reporting unknown types). */
export function relocationName(type: number): string {
  return C.relocationTypeName(type);
}
