// capstone-wasm ships declarations that its package.json "exports" do not point to, so TypeScript cannot
// find them under Bundler resolution; this declares the part picemu uses.
declare module 'capstone-wasm' {
  export interface Insn {
    id: number;
    address: number | bigint;
    size: number;
    bytes: Uint8Array;
    mnemonic: string;
    opStr: string;
  }
  export class Capstone {
    constructor(arch: number, mode: number);
    disasm(data: number[] | Uint8Array, options?: { address?: number | bigint; count?: number }): Insn[];
    close(): void;
  }
  export const Const: { CS_ARCH_X86: number; CS_MODE_64: number; CS_MODE_32: number; [name: string]: number };
  export function loadCapstone(args?: Record<string, unknown>): Promise<void>;
}
