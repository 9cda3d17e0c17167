// The thread pointer and static TLS, x86-64 variant II: fs base → a TCB whose first word points to itself,
// the stack canary at fs:0x28 and pointer guard at fs:0x30, and each module's PT_TLS block below the TCB.

/** tcbhead_t's fields picemu fills (glibc's layout): self pointer, dtv, self again, then guards. */
export const TCB_SELF = 0x0;
export const TCB_DTV = 0x8;
export const TCB_SELF2 = 0x10;
export const TCB_STACK_GUARD = 0x28;
export const TCB_POINTER_GUARD = 0x30;
/** Bytes reserved for the TCB (glibc's struct pthread is larger; code only touches the head). */
export const TCB_SIZE = 0x700;

export interface TlsTemplate {
  /** Module name, for messages. */
  module: string;
  /** PT_TLS p_memsz, p_align. */
  memsz: number;
  align: number;
  /** p_vaddr modulo p_align: where the block's first byte sits in its alignment unit. */
  firstByte: number;
}

export interface TlsModuleSlot {
  /** Module ID as DTPMOD64 gives it (1-based, in load order). */
  moduleId: number;
  /** Distance from the thread pointer down to the block's start: the block is at tp − tpOffset. */
  tpOffset: number;
  template: TlsTemplate;
}

/**
 * Assigns static TLS offsets as glibc's variant II does: each block at the next offset below the thread
 * pointer that is a multiple of its alignment and leaves room for its size.
 */
export class StaticTlsLayout {
  readonly slots: TlsModuleSlot[] = [];
  private used = 0;

  constructor(readonly capacity: number) {}

  add(template: TlsTemplate): TlsModuleSlot {
    const align = Math.max(1, template.align);
    // glibc's _dl_determine_tlsoffset for TLS_TCB_AT_TP: keep (tp - offset) congruent to the first byte's alignment.
    const tpOffset = Math.ceil((this.used + template.memsz - template.firstByte) / align) * align + template.firstByte;
    if (tpOffset > this.capacity) throw new Error(`static TLS of ${template.module} (${template.memsz} bytes) does not fit in the ${this.capacity}-byte static TLS area`);
    this.used = tpOffset;
    const slot = { moduleId: this.slots.length + 1, tpOffset, template };
    this.slots.push(slot);
    return slot;
  }
}

/**
 * `__tls_get_addr(tls_index *ti)` as native code, so the tracer shows real instructions:
 *   lea rcx, [rip + table]      ; table of −tpOffset per module ID, right after the code
 *   mov rax, [rdi]              ; ti->module
 *   mov rax, [rcx + rax*8]
 *   add rax, [rdi + 8]          ; + ti->offset
 *   add rax, fs:[0]             ; + thread pointer (the TCB's self pointer)
 *   ret
 * The table follows at TLS_GET_ADDR_TABLE from the start.
 */
export const TLS_GET_ADDR_CODE = Uint8Array.of(
  0x48, 0x8d, 0x0d, 0x19, 0x00, 0x00, 0x00, // lea rcx, [rip + 0x19] → code start + 0x20
  0x48, 0x8b, 0x07, // mov rax, [rdi]
  0x48, 0x8b, 0x04, 0xc1, // mov rax, [rcx + rax*8]
  0x48, 0x03, 0x47, 0x08, // add rax, [rdi + 8]
  0x64, 0x48, 0x03, 0x04, 0x25, 0x00, 0x00, 0x00, 0x00, // add rax, fs:[0]
  0xc3, // ret
);
export const TLS_GET_ADDR_TABLE = 0x20;
