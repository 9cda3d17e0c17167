// The new process's stack as the kernel builds it: argv/envp strings and the file name at the top
// (copy_strings), then create_elf_tables (platform string, AT_RANDOM bytes, argc, argv, envp, auxv), in a
// [stack] VMA of 128 KiB more than the pages the strings use (setup_arg_pages); mm grows it down on faults up to
// RLIMIT_STACK.
import type { AddressSpace } from '../../mm/address-space.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ, PROT_WRITE } from '../../mm/types.ts';
import { E2BIG } from '../errno.ts';

/** setup_arg_pages' stack_expand: the stack VMA reaches this far below the argument pages. */
const STACK_EXPAND = 131072;
/** MAX_ARG_STRLEN: one argument or environment string at most 32 pages. */
export const MAX_ARG_STRLEN = 32 * PAGE_SIZE;

export const AT_NULL = 0, AT_PHDR = 3, AT_PHENT = 4, AT_PHNUM = 5, AT_PAGESZ = 6, AT_BASE = 7, AT_FLAGS = 8, AT_ENTRY = 9;
export const AT_UID = 11, AT_EUID = 12, AT_GID = 13, AT_EGID = 14, AT_PLATFORM = 15, AT_HWCAP = 16, AT_CLKTCK = 17;
export const AT_SECURE = 23, AT_RANDOM = 25, AT_HWCAP2 = 26, AT_RSEQ_FEATURE_SIZE = 27, AT_RSEQ_ALIGN = 28, AT_EXECFN = 31;
export const AT_SYSINFO_EHDR = 33, AT_MINSIGSTKSZ = 51;

export interface StackRequest {
  /** Top of the stack VMA (exclusive). */
  top: number;
  argv: Uint8Array[];
  envp: Uint8Array[];
  /** bprm->filename as given to execve (AT_EXECFN points at its copy). */
  filename: Uint8Array;
  /** The 16 AT_RANDOM bytes. */
  random: Uint8Array;
  /** arch_align_stack's random offset below the strings (0..8191; 0 without randomization). */
  alignOffset: number;
  /** auxv entries in the kernel's order, without AT_RANDOM/AT_EXECFN/AT_PLATFORM values (filled in here) and AT_NULL. */
  auxv: [number, bigint][];
  executable: boolean;
  /** RLIMIT_STACK soft limit: the strings may use at most a quarter of it. */
  stackLimit: number;
}

export interface StackResult {
  sp: number;
  argStart: number;
  argEnd: number;
  envStart: number;
  envEnd: number;
  auxv: [bigint, bigint][];
}

/** Builds the stack in `space`; -E2BIG when argv and envp do not fit (a quarter of RLIMIT_STACK, as the kernel allows). */
export function buildStack(space: AddressSpace, req: StackRequest): StackResult | number {
  const strings = [...req.argv, ...req.envp, req.filename];
  const stringBytes = strings.reduce((n, s) => n + s.length + 1, 0);
  const pointerBytes = (req.argv.length + req.envp.length + 2) * 8;
  if (strings.some((s) => s.length + 1 > MAX_ARG_STRLEN) || stringBytes + pointerBytes > Math.max(req.stackLimit / 4, 32 * PAGE_SIZE)) return -E2BIG;

  // copy_strings from the top: a NULL word, the file name, envp (last first), argv (last first).
  let p = req.top - 8;
  const put = (s: Uint8Array): number => {
    p -= s.length + 1;
    return p;
  };
  const execfn = put(req.filename);
  const envAt = req.envp.map(() => 0);
  for (let k = req.envp.length - 1; k >= 0; k--) envAt[k] = put(req.envp[k]!);
  const argAt = req.argv.map(() => 0);
  for (let k = req.argv.length - 1; k >= 0; k--) argAt[k] = put(req.argv[k]!);
  const stringsStart = p;

  // The VMA: the pages the strings use, plus stack_expand below them.
  const vmaStart = pageDown(stringsStart) - STACK_EXPAND;
  // mm's [stack]: VM_GROWSDOWN, grown on faults below it up to RLIMIT_STACK (expand_stack).
  space.mapStack(req.top, req.top - vmaStart, req.stackLimit);
  if (req.executable) space.mprotect(vmaStart, req.top - vmaStart, PROT_READ | PROT_WRITE | PROT_EXEC);

  const bytes = new Uint8Array(req.top - stringsStart);
  const rel = (va: number) => va - stringsStart;
  req.argv.forEach((s, k) => bytes.set(s, rel(argAt[k]!)));
  req.envp.forEach((s, k) => bytes.set(s, rel(envAt[k]!)));
  bytes.set(req.filename, rel(execfn));
  space.write(stringsStart, bytes);

  // create_elf_tables: arch_align_stack, the platform string, the random bytes, then the tables.
  p = Math.floor((stringsStart - req.alignOffset) / 16) * 16;
  const platform = Buffer.from('x86_64\0', 'latin1');
  p -= platform.length;
  const platformAt = p;
  space.write(platformAt, platform);
  p -= 16;
  const randomAt = p;
  space.write(randomAt, req.random);

  const auxv: [bigint, bigint][] = req.auxv.map(([type, value]) => {
    const v = type === AT_RANDOM ? BigInt(randomAt) : type === AT_EXECFN ? BigInt(execfn) : type === AT_PLATFORM ? BigInt(platformAt) : value;
    return [BigInt(type), v];
  });
  auxv.push([BigInt(AT_NULL), 0n]);
  const items = req.argv.length + 1 + req.envp.length + 1 + 1;
  let sp = p - auxv.length * 2 * 8;
  sp = Math.floor((sp - items * 8) / 16) * 16;

  const words: bigint[] = [BigInt(req.argv.length), ...argAt.map(BigInt), 0n, ...envAt.map(BigInt), 0n];
  for (const [t, v] of auxv) words.push(t, v);
  const table = new Uint8Array(words.length * 8);
  const view = new DataView(table.buffer);
  words.forEach((w, k) => view.setBigUint64(8 * k, w, true));
  space.write(sp, table);

  return { sp, argStart: stringsStart, argEnd: envAt[0] ?? execfn, envStart: envAt[0] ?? execfn, envEnd: execfn, auxv };
}

const pageDown = (v: number): number => v - (v % PAGE_SIZE);
