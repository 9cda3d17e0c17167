// unicorn-engine 2.1.4 built to WebAssembly (wasm/) as a process engine. Frames live in the module's heap
// (UnicornFramePool) and are mapped page by page with uc_mem_map_ptr, so processes that share a frame share its
// bytes. A page is mapped when unicorn first faults on it: the invalid-access hook asks the address space (which
// pages it in or breaks COW) and ends the run; the mapping is made or redone outside emulation (mapping inside a
// hook corrupts unicorn's memory when the hook runs during translation) and the instruction runs again.
// System calls stop the run at the syscall hook.
import { Cpu, cpuid, GuestFault, type CpuProfile, type FaultKind, type RunOptions, type RunOutcome } from '../../cpu/index.ts';
import { decodeOne } from '../../cpu/decode.ts';
import type { AddressSpace } from '../../mm/address-space.ts';
import { PAGE_SIZE, PageFault, PROT_EXEC, PROT_WRITE, type AccessKind, type GuestMemory, type VirtAddr } from '../../mm/types.ts';
import type { Engine, EngineAccess, EngineFactory } from './engine.ts';
import { moduleFailure, unicornModule, type UnicornModule } from './unicorn-module.ts';

// unicorn.h values (the module's wrapper names some of them differently).
const UC_ARCH_X86 = 4;
const UC_MODE_64 = 8;
const UC_HOOK_INTR = 1, UC_HOOK_INSN = 2, UC_HOOK_CODE = 4, UC_HOOK_MEM_INVALID = 0x3f0, UC_HOOK_MEM_WRITE = 0x800, UC_HOOK_MEM_READ_AFTER = 0x2000;
const UC_MEM_WRITE = 17, UC_MEM_READ_UNMAPPED = 19, UC_MEM_WRITE_UNMAPPED = 20, UC_MEM_FETCH_UNMAPPED = 21, UC_MEM_WRITE_PROT = 22, UC_MEM_READ_PROT = 23;
const UC_PROT_READ = 1, UC_PROT_WRITE = 2, UC_PROT_EXEC = 4;
const UC_ERR_OK = 0, UC_ERR_INSN_INVALID = 10;
const UC_X86_INS_SYSCALL = 699, UC_X86_INS_CPUID = 113;
const UC_CTL_TB_REMOVE_CACHE = 9, UC_CTL_TB_FLUSH = 10, UC_CTL_TCG_BUFFER_SIZE = 13;
const TCG_BUFFER_SIZE = 4 << 20;
const UC_CTL_IO_WRITE = 1;
const ucCtl = (type: number, args: number) => (type | (args << 26) | (UC_CTL_IO_WRITE << 30)) >>> 0;

const GPR_IDS = ['RAX', 'RCX', 'RDX', 'RBX', 'RSP', 'RBP', 'RSI', 'RDI', 'R8', 'R9', 'R10', 'R11', 'R12', 'R13', 'R14', 'R15'];
/**
 * Registers synced with unicorn at each run (16-byte slots): GPRs, RIP, RFLAGS, FS base, MXCSR, XMM0-15, and the
 * x87 state the kernel's signal frames and fork carry (control, status with TOP, tag word, physical R0-R7).
 */
const SYNCED = [...GPR_IDS, 'RIP', 'EFLAGS', 'FS_BASE', 'MXCSR', ...Array.from({ length: 16 }, (_, k) => `XMM${k}`), 'FPCW', 'FPSW', 'FPTAG', ...Array.from({ length: 8 }, (_, k) => `FP${k}`)];
const RIP_SLOT = 16, FLAGS_SLOT = 17, FS_SLOT = 18, MXCSR_SLOT = 19, XMM_SLOT = 20, FPCW_SLOT = 36, FPSW_SLOT = 37, FPTAG_SLOT = 38, FP_SLOT = 39;
/** Instructions between deadline checks in the code hook. */
const CHECK_EVERY = 4096;

/** #DE, #DB, #BP, #UD, #SS, #GP, #MF/#XM, #AC by vector (anything else is `int N` in user mode). */
const VECTORS: Record<number, FaultKind> = { 0: 'divide-error', 1: 'debug-trap', 3: 'breakpoint', 6: 'invalid-opcode', 12: 'stack-fault', 13: 'general-protection', 17: 'misaligned', 19: 'simd-exception' };

type Stop =
  | { kind: 'syscall'; address: number }
  | { kind: 'fault'; fault: GuestFault; counted: boolean }
  | { kind: 'remap'; counted: boolean }
  | { kind: 'timeout' }
  | { kind: 'stopped' };

interface Mapped { frame: number; perms: number }

/**
 * Extends picemu's Cpu for its register file only (the kernel's signal frames, fork and system calls reach a
 * process's registers through Cpu); every run, step and traced step executes in unicorn.
 */
export class UnicornEngine extends Cpu implements Engine {
  readonly name = 'unicorn' as const;
  private readonly m: UnicornModule;
  private readonly uc: number;
  /** Pages mapped in unicorn (page index → frame and permissions), kept equal to the page table's present pages. */
  private readonly mapped = new Map<number, Mapped>();
  private readonly pendingRemaps = new Set<number>();
  private epochSeen = -1;
  private readonly ucHooks: number[] = [];
  private readonly callbacks: number[] = [];
  private readonly regIds: number;
  private readonly regPtrs: number;
  private readonly regSlots: number;
  private readonly ripId: number;
  private traceHooks: number[] = [];
  private onAccess: ((access: EngineAccess) => void) | null = null;
  private attemptAccesses: EngineAccess[] = [];
  private ripOperand: { start: number; end: number } | null = null;
  // State of the run in progress.
  private executed = 0;
  private lastInsn = -1;
  private stop: Stop | null = null;
  private deadline = Infinity;
  private stopRequested: (() => boolean) | undefined;
  private disposed = false;
  private readonly resources: Resources;
  private lastUntil = 0;

  constructor(
    private readonly guest: GuestMemory,
    private readonly space: AddressSpace,
    profile: CpuProfile,
  ) {
    super(guest, { profile });
    this.m = unicornModule();
    const m = this.m;
    const handle = m._malloc(8);
    check(m, m._uc_open(UC_ARCH_X86, UC_MODE_64, handle), 'uc_open');
    this.uc = m.HEAP32[handle >> 2]!;
    m._free(handle);
    // unicorn's default translation buffer (32 MiB on a 32-bit host) per process would exhaust the module's heap
    // after a few dozen processes; a full buffer is flushed and refilled, so a smaller one only costs retranslation.
    this.ctl(UC_CTL_TCG_BUFFER_SIZE, [TCG_BUFFER_SIZE]);
    // unicorn's default x86-64 model executes up to SSE4.2, POPCNT, BMI1/2, MOVBE, XSAVE (no AVX; choosing another
    // with UC_CTL_CPU_MODEL leaves CR4.OSFXSR clear in 2.1.4, so every SSE instruction would raise #UD). Its cpuid
    // answers from the process's profile instead (the hook below), as AT_HWCAP and /proc/cpuinfo do, so glibc picks
    // the variants the profile names; unicorn-profile.ts keeps profiles to those unicorn executes.

    this.regIds = m._malloc(SYNCED.length * 4);
    this.regPtrs = m._malloc(SYNCED.length * 4);
    this.regSlots = m._malloc(SYNCED.length * 16);
    SYNCED.forEach((name, k) => {
      const id = m[`X86_REG_${name}`];
      if (typeof id !== 'number') throw new Error(`unicorn engine: no register X86_REG_${name}`);
      m.HEAP32[(this.regIds >> 2) + k] = id;
      m.HEAP32[(this.regPtrs >> 2) + k] = this.regSlots + 16 * k;
    });

    this.ripId = m.HEAP32[(this.regIds >> 2) + RIP_SLOT]!;
    // The module's function table holds the hooks: through a WeakRef, so a process that is gone can be collected
    // (and its unicorn instance closed by the finalizer below). They are made in a static method: a closure made
    // here would share this constructor's context, which holds `this`, and keep every process alive.
    for (const [type, signature, fn, extra] of UnicornEngine.hooks(new WeakRef(this))) this.addHook(type, signature, fn, extra);
    this.resources = { module: m, uc: this.uc, callbacks: this.callbacks, blocks: [this.regIds, this.regPtrs, this.regSlots], shadows: new Map() };
    closer.register(this, this.resources, this);
  }

  /** The hooks every instance has, reaching it only through `self`. */
  private static hooks(self: WeakRef<UnicornEngine>): [number, string, (...args: never[]) => unknown, number?][] {
    return [
      [UC_HOOK_CODE, 'vijii', (_uc: number, address: bigint) => self.deref()?.onCode(Number(address))],
      [UC_HOOK_MEM_INVALID, 'iiijiji', (_uc: number, type: number, address: bigint, size: number) => (self.deref()?.onInvalid(type, Number(address), size) ? 1 : 0)],
      [UC_HOOK_INSN, 'vii', () => self.deref()?.onSyscall(), UC_X86_INS_SYSCALL],
      [UC_HOOK_INSN, 'iii', () => self.deref()?.onCpuid() ?? 0, UC_X86_INS_CPUID],
      [UC_HOOK_INTR, 'viii', (_uc: number, intno: number) => self.deref()?.onInterrupt(intno)],
    ];
  }

  /** The data hooks of traced steps. */
  private static traceHooks(self: WeakRef<UnicornEngine>): [number, string, (...args: never[]) => unknown][] {
    return [
      [UC_HOOK_MEM_READ_AFTER, 'viijiji', (_uc: number, _type: number, address: bigint, size: number, value: bigint) => self.deref()?.onData('read', Number(address), size, value)],
      [UC_HOOK_MEM_WRITE, 'viijiji', (_uc: number, _type: number, address: bigint, size: number, value: bigint) => self.deref()?.onData('write', Number(address), size, value)],
    ];
  }

  // ---- registers

  private syncIn(): void {
    const m = this.m;
    const slot = this.regSlots >> 3;
    const h = m.HEAPU64;
    for (let r = 0; r < 16; r++) h[slot + 2 * r] = this.r64[r]!;
    h[slot + 2 * RIP_SLOT] = BigInt(this.rip);
    h[slot + 2 * FLAGS_SLOT] = BigInt(this.rflags);
    h[slot + 2 * FS_SLOT] = BigInt(this.fsBase);
    h[slot + 2 * MXCSR_SLOT] = BigInt(this.mxcsr);
    for (let x = 0; x < 16; x++) {
      h[slot + 2 * (XMM_SLOT + x)] = this.xmm64[2 * x]!;
      h[slot + 2 * (XMM_SLOT + x) + 1] = this.xmm64[2 * x + 1]!;
    }
    const x87 = this.x87;
    h[slot + 2 * FPCW_SLOT] = BigInt(x87.fcw);
    h[slot + 2 * FPSW_SLOT] = BigInt(x87.status);
    // The full tag word: unicorn keeps only empty (11) or not; picemu's abridged tags are one bit per register.
    let tags = 0;
    for (let i = 0; i < 8; i++) if (!((x87.valid >> i) & 1)) tags |= 3 << (2 * i);
    h[slot + 2 * FPTAG_SLOT] = BigInt(tags);
    for (let i = 0; i < 8; i++) {
      h[slot + 2 * (FP_SLOT + i)] = x87.mant[i]!;
      h[slot + 2 * (FP_SLOT + i) + 1] = BigInt(x87.se[i]!);
    }
    check(m, m._uc_reg_write_batch(this.uc, this.regIds, this.regPtrs, SYNCED.length), 'uc_reg_write_batch');
  }

  private syncOut(): void {
    const m = this.m;
    check(m, m._uc_reg_read_batch(this.uc, this.regIds, this.regPtrs, SYNCED.length), 'uc_reg_read_batch');
    const slot = this.regSlots >> 3;
    const h = m.HEAPU64;
    for (let r = 0; r < 16; r++) this.r64[r] = h[slot + 2 * r]!;
    this.rip = Number(h[slot + 2 * RIP_SLOT]!);
    this.rflags = Number(h[slot + 2 * FLAGS_SLOT]! & 0xffffffffn);
    this.fsBase = Number(h[slot + 2 * FS_SLOT]!);
    this.mxcsr = Number(h[slot + 2 * MXCSR_SLOT]! & 0xffffffffn);
    for (let x = 0; x < 16; x++) {
      this.xmm64[2 * x] = h[slot + 2 * (XMM_SLOT + x)]!;
      this.xmm64[2 * x + 1] = h[slot + 2 * (XMM_SLOT + x) + 1]!;
    }
    const x87 = this.x87;
    x87.fcw = Number(h[slot + 2 * FPCW_SLOT]! & 0xffffn);
    x87.status = Number(h[slot + 2 * FPSW_SLOT]! & 0xffffn);
    const tags = Number(h[slot + 2 * FPTAG_SLOT]! & 0xffffn);
    let valid = 0;
    for (let i = 0; i < 8; i++) {
      if (((tags >> (2 * i)) & 3) !== 3) valid |= 1 << i;
      x87.mant[i] = h[slot + 2 * (FP_SLOT + i)]!;
      x87.se[i] = Number(h[slot + 2 * (FP_SLOT + i) + 1]! & 0xffffn);
    }
    x87.valid = valid;
  }

  private readRip(): number {
    const m = this.m;
    check(m, m._uc_reg_read(this.uc, this.ripId, this.regSlots), 'uc_reg_read');
    return Number(m.HEAPU64[this.regSlots >> 3]!);
  }

  // ---- running

  override step(): RunOutcome {
    return this.run({ maxInstructions: 1 });
  }

  stepTraced(onAccess: (access: EngineAccess) => void): RunOutcome {
    this.onAccess = onAccess;
    const bytes = this.guest.peek(this.rip, 15);
    const decoded = bytes ? decodeOne(bytes, this.rip, 64) : undefined;
    const mem = decoded && 'insn' in decoded ? decoded.insn.mem : null;
    this.ripOperand = mem?.ripRelative ? { start: mem.absolute, end: mem.absolute + Math.max(mem.size, 1) } : null;
    if (this.traceHooks.length === 0) {
      for (const [type, signature, fn] of UnicornEngine.traceHooks(new WeakRef(this))) this.traceHooks.push(this.addHook(type, signature, fn));
    }
    try {
      return this.run({ maxInstructions: 1 });
    } finally {
      this.onAccess = null;
    }
  }

  override run(options: RunOptions = {}): RunOutcome {
    unicornModule(); // throws UnicornAbortError once the module has aborted
    if (this.disposed) throw new Error('unicorn engine: the process is gone');
    // Untraced runs go without the data hooks (they make every access call into JS).
    if (!this.onAccess && this.traceHooks.length) {
      for (const h of this.traceHooks) this.removeHook(h);
      this.traceHooks = [];
    }
    this.syncMappings();
    this.refreshShadows();
    this.syncIn();
    const max = options.maxInstructions ?? Infinity;
    const until = options.until ?? 0;
    // unicorn builds the `until` check into translated blocks (and chains them): a new stop address needs fresh
    // blocks (removing only the blocks at the old and new address is not enough: a chained jump skips the check).
    if (until !== this.lastUntil) {
      this.ctl(UC_CTL_TB_FLUSH, []);
      this.lastUntil = until;
    }
    this.executed = 0;
    this.deadline = options.deadlineMs !== undefined ? Date.now() + options.deadlineMs : Infinity;
    this.stopRequested = options.stopRequested;
    let rip = this.rip;
    let outcome: RunOutcome | undefined;
    while (!outcome) {
      if (this.executed >= max) {
        outcome = { kind: 'budget', executed: this.executed };
        break;
      }
      this.stop = null;
      this.lastInsn = -1;
      const before = this.executed;
      const count = max === Infinity ? 0 : max - this.executed;
      let err: number;
      try {
        err = this.m._uc_emu_start(this.uc, BigInt(rip), BigInt(until), 0n, count);
      } catch (e) {
        this.disposed = true; // nothing in a dead module may be called again, not even uc_close
        closer.unregister(this);
        throw moduleFailure(e, this.lastInsn >= 0 ? this.lastInsn : rip);
      }
      rip = this.readRip();
      const stop = this.stop as Stop | null;
      const accesses = this.attemptAccesses;
      this.attemptAccesses = [];
      // A data access that needed a mapping runs its instruction again; a fetch that did (the next instruction's
      // page) comes after the last instruction completed, whose accesses stand.
      if (!(stop?.kind === 'remap' && stop.counted)) for (const a of accesses) this.onAccess?.(a);
      if (stop?.kind === 'remap') {
        if (stop.counted) this.executed--;
        this.applyRemaps();
        continue;
      }
      if (stop?.kind === 'fault') {
        if (stop.counted) this.executed--;
        stop.fault.rip = rip;
        outcome = { kind: 'fault', executed: this.executed, fault: stop.fault };
      } else if (stop?.kind === 'syscall') {
        outcome = { kind: 'syscall', executed: this.executed, address: stop.address };
      } else if (stop?.kind === 'timeout' || stop?.kind === 'stopped') {
        outcome = { kind: stop.kind, executed: this.executed };
      } else if (err === UC_ERR_INSN_INVALID) {
        if (this.lastInsn === rip && this.executed > before) this.executed--;
        const f = new GuestFault('invalid-opcode', undefined, undefined, 'unicorn-engine 2.1.4 does not execute this instruction (UC_ERR_INSN_INVALID)');
        f.rip = rip;
        outcome = { kind: 'fault', executed: this.executed, fault: f };
      } else if (err !== UC_ERR_OK) {
        const f = new GuestFault('general-protection', undefined, undefined, `unicorn-engine: ${strerror(this.m, err)}`);
        f.rip = rip;
        outcome = { kind: 'fault', executed: this.executed, fault: f };
      } else if (until !== 0 && rip === until) {
        outcome = { kind: 'until', executed: this.executed };
      } else if (this.lastInsn >= 0 && isHlt(this.guest.peek(this.lastInsn, 4))) {
        outcome = { kind: 'halt', executed: this.executed, address: this.lastInsn };
      } else {
        outcome = { kind: 'budget', executed: this.executed };
      }
    }
    this.syncOut();
    return outcome;
  }

  instructionBytes(va: VirtAddr): Uint8Array {
    const bytes = this.guest.peek(va, 15) ?? this.guest.peek(va, 1);
    if (!bytes) throw new PageFault(va, 'fetch', 'unmapped');
    const d = decodeOne(bytes, va, 64);
    return 'insn' in d ? d.insn.bytes : bytes.subarray(0, 'len' in d ? Math.max(1, d.len) : 1);
  }

  override invalidateCode(va: VirtAddr, length: number): void {
    this.ctl(UC_CTL_TB_REMOVE_CACHE, [BigInt(va), BigInt(va + length)]);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    closer.unregister(this);
    release(this.resources);
  }

  // ---- hooks

  private onCode(address: number): void {
    this.lastInsn = address;
    if ((++this.executed & (CHECK_EVERY - 1)) === 0 && (Date.now() > this.deadline || this.stopRequested?.())) {
      this.stop = Date.now() > this.deadline ? { kind: 'timeout' } : { kind: 'stopped' };
      this.m._uc_emu_stop(this.uc);
    }
  }

  private onSyscall(): void {
    this.stop = { kind: 'syscall', address: this.lastInsn };
    this.m._uc_emu_stop(this.uc);
  }

  /** cpuid: the profile's answer (features.ts), not unicorn's model; 1 tells unicorn the instruction is done. */
  private onCpuid(): number {
    const m = this.m;
    const ids = this.regIds >> 2;
    const at = this.regSlots >> 3;
    const read = (slot: number) => {
      check(m, m._uc_reg_read(this.uc, m.HEAP32[ids + slot]!, this.regSlots), 'uc_reg_read');
      return Number(m.HEAPU64[at]! & 0xffffffffn);
    };
    const answer = cpuid(this.profile, read(0), read(1));
    // eax, ebx, ecx, edx: GPR slots 0, 3, 1, 2 (writes of 32-bit results clear the upper halves).
    [0, 3, 1, 2].forEach((slot, k) => {
      m.HEAPU64[at] = BigInt(answer[k]! >>> 0);
      check(m, m._uc_reg_write(this.uc, m.HEAP32[ids + slot]!, this.regSlots), 'uc_reg_write');
    });
    return 1;
  }

  private onInterrupt(intno: number): void {
    const kind = VECTORS[intno] ?? 'privileged';
    // int3/int1 complete (RIP after them, counted); the others fault on the instruction.
    const completes = kind === 'breakpoint' || kind === 'debug-trap';
    this.stop = { kind: 'fault', fault: new GuestFault(kind, undefined, undefined, `unicorn-engine raised interrupt ${intno}`), counted: !completes };
    this.m._uc_emu_stop(this.uc);
  }

  private onData(kind: 'read' | 'write', va: number, size: number, value: bigint): void {
    const v = BigInt.asUintN(64, value);
    const ripRelative = this.ripOperand !== null && va >= this.ripOperand.start && va < this.ripOperand.end;
    // Held until the attempt ends: an instruction whose data access needs a remap runs again and reports them again.
    if (this.onAccess) this.attemptAccesses.push({ kind, va, size, lo: Number(v & 0xffffffffn), hi: Number(v >> 32n), ripRelative });
  }

  /** unicorn could not access [va, va+size): page it in through the address space; false ends the run. */
  private onInvalid(type: number, va: number, size: number): boolean {
    const access: AccessKind = type === UC_MEM_READ_UNMAPPED || type === UC_MEM_READ_PROT ? 'read' : type === UC_MEM_WRITE_UNMAPPED || type === UC_MEM_WRITE_PROT || type === UC_MEM_WRITE ? 'write' : 'fetch';
    const counted = access !== 'fetch' && this.lastInsn >= 0;
    let needsRemap = false;
    const last = va + Math.max(size, 1) - 1;
    for (let page = Math.floor(va / PAGE_SIZE); page <= Math.floor(last / PAGE_SIZE); page++) {
      const at = Math.max(va, page * PAGE_SIZE);
      try {
        this.guest.frameFor(at, access);
      } catch (e) {
        if (!(e instanceof PageFault)) throw e;
        this.stop = { kind: 'fault', fault: new GuestFault(e.reason, e.va, e.access), counted };
        return false;
      }
      const want = this.wanted(page);
      const have = this.mapped.get(page);
      if (!have || !want || have.frame !== want.frame || have.perms !== want.perms) {
        this.pendingRemaps.add(page);
        needsRemap = true;
      } else {
        // Mapped as the page table says, yet unicorn refused: report it rather than loop.
        this.stop = { kind: 'fault', fault: new GuestFault('protection', at, access), counted };
        return false;
      }
    }
    if (needsRemap) {
      this.stop = { kind: 'remap', counted };
      return false;
    }
    return true;
  }

  // ---- memory

  /** What unicorn should map at `page` now: the present frame and the access the page table allows. */
  private wanted(page: number): Mapped | null {
    const va = page * PAGE_SIZE;
    const info = this.space.frameAt(va);
    const vma = info ? this.space.vmaAt(va) : undefined;
    if (!info || !vma || vma.prot === 0) return null;
    const perms = UC_PROT_READ | (vma.prot & PROT_WRITE && info.writable ? UC_PROT_WRITE : 0) | (vma.prot & PROT_EXEC ? UC_PROT_EXEC : 0);
    return { frame: info.frame, perms };
  }

  private mapPage(page: number, want: Mapped): void {
    const frame = this.space.physical.get(want.frame);
    if (!frame) throw new Error(`unicorn engine: frame ${want.frame} is gone`);
    let host = frame.hostAddress;
    if (host === undefined) {
      // A frame outside the module's heap (a caller's buffer: the [vvar] and [vdso] pages) is mapped as a copy in the
      // heap, refreshed before every run; it must be read-only for the guest, or its writes would be lost.
      if (want.perms & UC_PROT_WRITE) throw new Error(`unicorn engine: frame ${want.frame} is writable but not in the module's heap (make the Machine with engine: 'unicorn')`);
      const raw = this.m._malloc(2 * PAGE_SIZE);
      if (!raw) throw new RangeError('unicorn engine: out of WebAssembly memory for a page copy');
      host = Math.ceil(raw / PAGE_SIZE) * PAGE_SIZE;
      this.resources.shadows.set(page, { raw, host, frame: want.frame });
      this.m.HEAPU8.set(frame.bytes, host);
    }
    check(this.m, this.m._uc_mem_map_ptr(this.uc, BigInt(page * PAGE_SIZE), BigInt(PAGE_SIZE), want.perms, host), 'uc_mem_map_ptr');
    this.mapped.set(page, want);
  }

  private unmapPage(page: number): void {
    check(this.m, this.m._uc_mem_unmap(this.uc, BigInt(page * PAGE_SIZE), BigInt(PAGE_SIZE)), 'uc_mem_unmap');
    this.mapped.delete(page);
    const shadow = this.resources.shadows.get(page);
    if (shadow) {
      this.m._free(shadow.raw);
      this.resources.shadows.delete(page);
    }
  }

  /** Copies frames outside the module's heap into their copies (the kernel updates [vvar]'s time between runs). */
  private refreshShadows(): void {
    for (const shadow of this.resources.shadows.values()) {
      const frame = this.space.physical.get(shadow.frame);
      if (frame) this.m.HEAPU8.set(frame.bytes, shadow.host);
    }
  }

  /** Makes or redoes the mappings a hook asked for (outside emulation: unicorn cannot remap under a running access). */
  private applyRemaps(): void {
    for (const page of this.pendingRemaps) this.resyncPage(page);
    this.pendingRemaps.clear();
    this.epochSeen = this.space.epoch;
  }

  private resyncPage(page: number): void {
    const want = this.wanted(page);
    const have = this.mapped.get(page);
    if (have && want && have.frame === want.frame && have.perms === want.perms) return;
    const codeChanged = have !== undefined && (want === null || have.frame !== want.frame);
    if (have) this.unmapPage(page);
    if (want) this.mapPage(page, want);
    if (codeChanged && have.perms & UC_PROT_EXEC) this.invalidateCode(page * PAGE_SIZE, PAGE_SIZE);
  }

  /** After mmap/munmap/mprotect/COW outside a run (the address space's epoch moved): drop or fix stale pages. */
  private syncMappings(): void {
    if (this.space.epoch === this.epochSeen) return;
    for (const page of [...this.mapped.keys()]) this.resyncPage(page);
    this.epochSeen = this.space.epoch;
  }

  // ---- plumbing

  private addHook(type: number, signature: string, fn: (...args: never[]) => unknown, extra = 0): number {
    const m = this.m;
    const callback = m.addFunction(fn, signature);
    const out = m._malloc(8);
    const args = m._malloc(8);
    m.HEAP32[args >> 2] = extra;
    const err = m._uc_hook_add(this.uc, out, type, callback, 0, 1n, 0n, args);
    const hook = m.HEAP32[out >> 2]!;
    m._free(out);
    m._free(args);
    check(m, err, 'uc_hook_add');
    this.ucHooks.push(hook);
    this.callbacks.push(callback);
    return hook;
  }

  private removeHook(hook: number): void {
    check(this.m, this.m._uc_hook_del(this.uc, hook), 'uc_hook_del');
  }

  private ctl(type: number, args: (number | bigint)[]): void {
    const m = this.m;
    const buf = m._malloc(8 * Math.max(1, args.length));
    let off = 0;
    for (const a of args) {
      if (typeof a === 'bigint') {
        off = Math.ceil(off / 8) * 8;
        m.HEAPU64[(buf + off) >> 3] = a;
        off += 8;
      } else {
        m.HEAP32[(buf + off) >> 2] = a;
        off += 4;
      }
    }
    const err = m._uc_ctl(this.uc, ucCtl(type, args.length), buf);
    m._free(buf);
    check(m, err, 'uc_ctl');
  }
}

/** What a unicorn instance holds in the module: closed on dispose(), or by the finalizer when its process is gone. */
interface Resources {
  module: UnicornModule;
  uc: number;
  callbacks: number[];
  blocks: number[];
  /** Heap copies of frames outside the heap, by page: malloc'd block, its aligned page, the frame copied. */
  shadows: Map<number, { raw: number; host: number; frame: number }>;
}

function release(r: Resources): void {
  r.module._uc_close(r.uc);
  for (const cb of r.callbacks) r.module.removeFunction(cb);
  for (const p of r.blocks) r.module._free(p);
  for (const shadow of r.shadows.values()) r.module._free(shadow.raw);
  r.shadows.clear();
}

const closer = new FinalizationRegistry<Resources>(release);

function strerror(m: UnicornModule, err: number): string {
  const ptr = m._uc_strerror(err);
  const end = m.HEAPU8.indexOf(0, ptr);
  return Buffer.from(m.HEAPU8.subarray(ptr, end < 0 ? ptr : end)).toString('latin1');
}

function check(m: UnicornModule, err: number, what: string): void {
  if (err !== UC_ERR_OK) throw new Error(`unicorn engine: ${what} failed: ${strerror(m, err)} (${err})`);
}

/** `hlt`, after any legacy prefixes. */
function isHlt(bytes: Uint8Array | null): boolean {
  if (!bytes) return false;
  let k = 0;
  while (k < bytes.length - 1 && (bytes[k] === 0x66 || bytes[k] === 0xf2 || bytes[k] === 0xf3)) k++;
  return bytes[k] === 0xf4;
}

export const unicornEngine: EngineFactory = ({ memory, space, profile }) => new UnicornEngine(memory, space, profile);
