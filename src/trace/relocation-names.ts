// Names of the x86-64 relocation types (the psABI's R_X86_64_* numbers), for trace annotations.

const NAMES: Record<number, string> = {
  0: 'NONE', 1: '64', 2: 'PC32', 3: 'GOT32', 4: 'PLT32', 5: 'COPY', 6: 'GLOB_DAT', 7: 'JUMP_SLOT', 8: 'RELATIVE',
  9: 'GOTPCREL', 10: '32', 11: '32S', 12: '16', 13: 'PC16', 14: '8', 15: 'PC8', 16: 'DTPMOD64', 17: 'DTPOFF64',
  18: 'TPOFF64', 19: 'TLSGD', 20: 'TLSLD', 21: 'DTPOFF32', 22: 'GOTTPOFF', 23: 'TPOFF32', 24: 'PC64', 25: 'GOTOFF64',
  26: 'GOTPC32', 27: 'GOT64', 28: 'GOTPCREL64', 29: 'GOTPC64', 30: 'GOTPLT64', 31: 'PLTOFF64', 32: 'SIZE32',
  33: 'SIZE64', 34: 'GOTPC32_TLSDESC', 35: 'TLSDESC_CALL', 36: 'TLSDESC', 37: 'IRELATIVE', 38: 'RELATIVE64',
  41: 'GOTPCRELX', 42: 'REX_GOTPCRELX',
};

/** e.g. 6 → `R_X86_64_GLOB_DAT`; unknown numbers are shown as `R_X86_64_<n>`. */
export function relocationName(type: number): string {
  return `R_X86_64_${NAMES[type] ?? String(type)}`;
}
