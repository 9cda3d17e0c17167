// The hooks of one engine: what hook_add registered (type, range, callback, user data) and the CPU callbacks
// that call them with unicorn.js 2.x's arguments, in registration order, within each hook's [begin, end].
import type { CpuHooks } from '../cpu/memory-access.ts';
import type { AccessKind, PageFaultReason } from '../mm/types.ts';
import { constants as uc } from './constants.ts';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type HookCallback = (...args: any[]) => any;

export interface HookRecord {
  handle: number;
  type: number;
  callback: HookCallback;
  userData: unknown;
  /** Inclusive range; begin > end means everywhere (unicorn's convention, and hook_add's default 1..0). */
  begin: number;
  end: number;
  /** HOOK_INSN's instruction id. */
  insn: number;
  deleted: boolean;
}

/** The uc_mem_type for a faulting access. */
function invalidMemType(access: AccessKind, reason: PageFaultReason): number {
  if (reason === 'unmapped') return access === 'read' ? uc.MEM_READ_UNMAPPED : access === 'write' ? uc.MEM_WRITE_UNMAPPED : uc.MEM_FETCH_UNMAPPED;
  return access === 'read' ? uc.MEM_READ_PROT : access === 'write' ? uc.MEM_WRITE_PROT : uc.MEM_FETCH_PROT;
}

/** The hook bit that asks for a faulting access. */
function invalidHookBit(access: AccessKind, reason: PageFaultReason): number {
  if (reason === 'unmapped') return access === 'read' ? uc.HOOK_MEM_READ_UNMAPPED : access === 'write' ? uc.HOOK_MEM_WRITE_UNMAPPED : uc.HOOK_MEM_FETCH_UNMAPPED;
  return access === 'read' ? uc.HOOK_MEM_READ_PROT : access === 'write' ? uc.HOOK_MEM_WRITE_PROT : uc.HOOK_MEM_FETCH_PROT;
}

/** A 64-bit value from 32-bit halves, as the signed int64 unicorn.js's callbacks receive. */
export function int64(lo: number, hi: number): bigint {
  if (hi === 0) return BigInt(lo >>> 0);
  return BigInt.asIntN(64, (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0));
}

function inRange(h: HookRecord, address: number): boolean {
  return h.begin > h.end || (address >= h.begin && address <= h.end);
}

/** What the hooks need from their engine. */
export interface HookEnvironment {
  /** The Unicorn object callbacks receive first. */
  owner: unknown;
  /** RIP, read and written: unicorn shows a syscall hook RIP at the syscall instruction. */
  rip: { get(): number; set(v: number): void };
  /** Called whenever the set of hooks changes (the CPU's hook callbacks must be rebuilt). */
  changed(): void;
  /** The current run's exit addresses: a block reported to HOOK_BLOCK ends at the first one inside it. */
  exits(): number[];
  /** The upper 8 bytes of a 16-byte access, which the CPU's hooks do not carry. */
  wide: WideAccess;
  /** The byte at `address`, or -1 where unmapped (to recognize cpuid for its instruction hook). */
  byteAt(address: number): number;
  /** The size of unicorn's translated block at `address` in the current run (0 when it cannot be read). */
  translationBlockSize(address: number): number;
}

/** Where the facade finds the upper halves of 16-byte accesses (as 32-bit lo/hi). */
export interface WideAccess {
  /** Bytes 8..15 of a 16-byte read at `address` (memory holds them after the read). */
  readHigh(address: number): [number, number];
  /** Bytes 8..15 of the 16-byte value the current instruction is about to store. */
  writeHigh(): [number, number];
}

export class HookTable {
  private readonly records: HookRecord[] = [];
  private nextHandle = 1;
  /** Set when decoded code was invalidated (e.g. a hook wrote code); see `code` below. */
  codeChanged = false;
  /** The address whose hooks already ran before the CPU restarted there on fresh code. */
  private ranAt = -1;
  /** The last block reported to HOOK_BLOCK (unicorn's extent) and where the CPU's own block ended. */
  private tbStart = -1;
  private tbEnd = -1;
  private cpuBlockEnd = -1;
  /** Where a reported block ends inside the running CPU block: the next one starts there. */
  private pendingBlock = -1;

  constructor(private readonly env: HookEnvironment) {}

  add(type: number, callback: HookCallback, userData: unknown, begin: number, end: number, insn: number): HookRecord {
    const record: HookRecord = { handle: this.nextHandle++, type, callback, userData, begin, end, insn, deleted: false };
    this.records.push(record);
    this.env.changed();
    return record;
  }

  delete(handle: number): void {
    const i = this.records.findIndex((r) => r.handle === handle);
    if (i >= 0) {
      this.records[i].deleted = true;
      this.records.splice(i, 1);
      this.env.changed();
    }
  }

  /** True when any hook of these type bits is registered. */
  has(bits: number): boolean {
    return this.records.some((r) => (r.type & bits) !== 0);
  }

  /** The CPU callbacks for the current hooks (only those with a registered hook, so unhooked runs stay fast). */
  cpuHooks(): CpuHooks {
    const owner = this.env.owner;
    const of = (bits: number): HookRecord[] => this.records.filter((r) => (r.type & bits) !== 0);
    const hooks: CpuHooks = {};

    // When a hook rewrites the code it runs in, the CPU drops the decoded block and restarts at the same
    // instruction; unicorn calls that instruction's hooks once, so the restart does not call them again.
    const code = of(uc.HOOK_CODE);
    // HOOK_INSN on cpuid runs before the instruction (RIP at it), which then executes as usual: watched
    // through the code callback, so it costs the hooked loop only while such a hook exists.
    const cpuid = of(uc.HOOK_INSN).filter((h) => h.insn === uc.X86_INS_CPUID);
    if (cpuid.length) {
      const byteAt = this.env.byteAt;
      code.push({
        handle: 0,
        type: uc.HOOK_CODE,
        callback: (_owner: unknown, address: bigint) => {
          const at = Number(address);
          if (byteAt(at) !== 0x0f || byteAt(at + 1) !== 0xa2) return;
          for (const h of cpuid) if (!h.deleted && inRange(h, at)) h.callback(owner, h.userData);
        },
        userData: undefined,
        begin: 1,
        end: 0,
        insn: 0,
        deleted: false,
      });
    }
    // unicorn's blocks (translation-block.ts) are not the CPU's: the CPU also stops at cpuid, rdtsc, page ends
    // and after 64 instructions, while unicorn stops after 512 instructions or ~4 KiB, and after pause or sti.
    // A CPU block that falls through into the rest of the reported block is not a new one; a unicorn block
    // that starts inside a CPU block is reported from the code callback when execution reaches it.
    const block = of(uc.HOOK_BLOCK);
    const reportBlock = (address: number, cpuSize: number): void => {
      const size = this.env.translationBlockSize(address) || cpuSize;
      this.tbStart = address;
      this.tbEnd = address + size;
      let a: bigint | undefined;
      for (const h of block) if (!h.deleted && inRange(h, address)) h.callback(owner, (a ??= BigInt(address)), size, h.userData);
    };
    if (block.length) {
      hooks.block = (address, size) => {
        const fallsThrough = address === this.cpuBlockEnd && address > this.tbStart && address < this.tbEnd;
        this.cpuBlockEnd = address + size;
        if (address !== this.ranAt && !fallsThrough) reportBlock(address, size);
        this.pendingBlock = this.tbEnd < this.cpuBlockEnd ? this.tbEnd : -1;
      };
    }
    if (code.length || block.length) {
      hooks.code = (address, size) => {
        if (address === this.ranAt) {
          this.ranAt = -1;
          return;
        }
        this.ranAt = -1;
        if (address === this.pendingBlock) {
          reportBlock(address, this.cpuBlockEnd - address);
          this.pendingBlock = this.tbEnd < this.cpuBlockEnd ? this.tbEnd : -1;
        }
        if (!code.length) return;
        this.codeChanged = false;
        let a: bigint | undefined;
        for (const h of code) if (!h.deleted && inRange(h, address)) h.callback(owner, (a ??= BigInt(address)), size, h.userData);
        if (this.codeChanged) this.ranAt = address;
      };
      // Compiled code calls the code hooks only where one may fire (all of them ranged, no cpuid or block hook).
      if (!block.length && !cpuid.length && code.every((h) => h.begin <= h.end)) hooks.codeRanges = code.map((h) => [h.begin, h.end] as const);
    }
    const memValid = (bits: number, type: number): ((address: number, size: number, lo: number, hi: number) => void) | undefined => {
      const list = of(bits);
      if (!list.length) return undefined;
      return (address, size, lo, hi) => {
        for (const h of list) if (!h.deleted && inRange(h, address)) h.callback(owner, type, BigInt(address), size, int64(lo, hi), h.userData);
      };
    };
    // unicorn reports a 16-byte access as two 8-byte ones, low half first (read, read-after, read, read-after).
    const read = memValid(uc.HOOK_MEM_READ, uc.MEM_READ);
    const readAfter = memValid(uc.HOOK_MEM_READ_AFTER, uc.MEM_READ_AFTER);
    if (read) {
      hooks.memRead = (address, size) => {
        if (size !== 16) return read(address, size, 0, 0);
        read(address, 8, 0, 0);
        if (!readAfter) read(address + 8, 8, 0, 0);
      };
    }
    if (readAfter) {
      hooks.memReadAfter = (address, size, lo, hi) => {
        if (size !== 16) return readAfter(address, size, lo, hi);
        readAfter(address, 8, lo, hi);
        read?.(address + 8, 8, 0, 0);
        const [lo2, hi2] = this.env.wide.readHigh(address);
        readAfter(address + 8, 8, lo2, hi2);
      };
    }
    const write = memValid(uc.HOOK_MEM_WRITE, uc.MEM_WRITE);
    if (write) {
      hooks.memWrite = (address, size, lo, hi) => {
        if (size !== 16) return write(address, size, lo, hi);
        write(address, 8, lo, hi);
        const [lo2, hi2] = this.env.wide.writeHigh();
        write(address + 8, 8, lo2, hi2);
      };
    }
    // HOOK_MEM_FETCH is accepted but, as in unicorn 2, never called.

    if (this.has(uc.HOOK_MEM_INVALID)) {
      hooks.invalid = (access, reason, address, size, lo, hi) => {
        const bit = invalidHookBit(access, reason);
        const type = invalidMemType(access, reason);
        let handled = false;
        for (const h of of(bit)) {
          if (h.deleted || !inRange(h, address)) continue;
          // unicorn ORs the results: the access is retried when any hook returns true.
          if (h.callback(owner, type, BigInt(address), size, int64(lo, hi), h.userData)) handled = true;
        }
        return handled;
      };
    }
    const intr = of(uc.HOOK_INTR);
    if (intr.length) {
      hooks.interrupt = (intno) => {
        for (const h of intr) if (!h.deleted) h.callback(owner, intno, h.userData);
      };
    }
    const syscall = of(uc.HOOK_INSN).filter((h) => h.insn === uc.X86_INS_SYSCALL);
    if (syscall.length) {
      hooks.syscall = () => {
        // The CPU has moved RIP past the 2-byte syscall; unicorn's hook sees the instruction's own address
        // and resumes after it unless the hook moved RIP.
        const after = this.env.rip.get();
        const at = after - 2;
        this.env.rip.set(at);
        for (const h of syscall) if (!h.deleted && inRange(h, at)) h.callback(owner, h.userData);
        if (this.env.rip.get() === at) this.env.rip.set(after);
      };
    }
    return hooks;
  }
}
