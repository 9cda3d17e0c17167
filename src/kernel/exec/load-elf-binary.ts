// execve's work, as fs/binfmt_elf.c load_elf_binary does it: check the program and its PT_INTERP, then (past the
// point of no return) a new address space with the stack, the program's PT_LOADs at ELF_ET_DYN_BASE (plus
// randomization) or their own addresses, the brk after them, the interpreter top-down from mmap_base, the vDSO,
// and the registers zeroed with rip at the interpreter's entry.
import { cpuid } from '../../cpu/index.ts';
import { exitRobustList } from '../robust-list.ts';
import type { AddressSpace } from '../../mm/address-space.ts';
import type { OpenFile } from '../../mm/page-cache.ts';
import { PAGE_SIZE, PROT_WRITE } from '../../mm/types.ts';
import { EACCES, ELIBBAD, ELOOP, ENOEXEC, ENOMEM, EINVAL } from '../errno.ts';
import { parseShebang, type ScriptLine } from './binfmt-script.ts';
import { O_RDONLY, S_IFMT, S_IFREG } from '../files/file.ts';
import { ADDR_NO_RANDOMIZE } from '../personality.ts';
import { RLIMIT_STACK } from '../rlimits.ts';
import { MmContext, type Task } from '../task.ts';
import { ET_DYN, ET_EXEC, maximumAlignment, pageAlign, pageOffset, pageStart, PT_LOAD, protOf, readElfImage, totalMappingSize, type ElfImage, type Phdr } from './elf-image.ts';
import {
  AT_BASE, AT_CLKTCK, AT_EGID, AT_ENTRY, AT_EUID, AT_EXECFN, AT_FLAGS, AT_GID, AT_HWCAP, AT_HWCAP2, AT_MINSIGSTKSZ, AT_PAGESZ, AT_PHDR,
  AT_PHENT, AT_PHNUM, AT_PLATFORM, AT_RANDOM, AT_RSEQ_ALIGN, AT_RSEQ_FEATURE_SIZE, AT_SECURE, AT_SYSINFO_EHDR, AT_UID, buildStack,
} from './stack.ts';
import { hostMinSigStackSize, mapVdso } from './vdso.ts';

/** ELF_ET_DYN_BASE on x86-64: two thirds of the 47-bit address space, page-aligned. */
export const ELF_ET_DYN_BASE = 0x555555554000;
/** The brk start's random range (arch_randomize_brk). */
const BRK_RANDOM_RANGE = 0x02000000;
/** mmap_rnd_bits on x86-64 (arch_mmap_rnd for the program's load bias). */
const MMAP_RND_BITS = 28;

export interface ExecRequest {
  /** The path as given to execve (AT_EXECFN, the comm). */
  path: string;
  argv: Uint8Array[];
  envp: Uint8Array[];
  /** For an interpreter started by a `#!` script: the script's path (AT_EXECFN and the comm stay the script's). */
  execfn?: string;
  /** Scripts followed so far (the kernel allows 4 levels: more is ELOOP). */
  depth?: number;
  /**
   * The randomness of this exec's layout (mmap base, stack top, load bias, brk), instead of the kernel's: a Process
   * hosting library calls gets its own layout per pid even on a machine without a seed (ADDR_NO_RANDOMIZE still wins).
   */
  layoutRandom?: () => bigint;
}

/** The kernel's limit on nested `#!` interpreters. */
const MAX_SCRIPT_DEPTH = 4;

interface OpenedImage {
  file: OpenFile;
  image: ElfImage;
  path: string;
}

/** Opens a file exec will map: a regular file the caller may execute (EACCES otherwise), its bytes and ELF headers. */
function openImage(task: Task, path: string, badElf: number): OpenedImage | number | { script: ScriptLine } {
  const vfs = task.kernel.vfs;
  const r = vfs.resolve(task, path);
  if (typeof r === 'number') return r;
  const st = vfs.statResolved(task, r);
  if (typeof st === 'number') return st;
  if ((st.mode & S_IFMT) !== S_IFREG) return -EACCES;
  const x = vfs.access(task, path, 1);
  if (x < 0) return x;
  const desc = vfs.open(task, path, O_RDONLY, 0);
  if (typeof desc === 'number') return desc;
  const file = desc.mappable();
  desc.release();
  if (typeof file === 'number') return -EACCES;
  const bytes = file.inode.bytes();
  const script = badElf === -ENOEXEC ? parseShebang(bytes) : undefined;
  if (typeof script === 'number') return script;
  if (script) return { script };
  const image = readElfImage(bytes);
  if (typeof image === 'number') return image === -ENOEXEC ? badElf : image;
  return { file, image, path: r.path };
}

/**
 * Replaces the task's program (execve). Returns 0 with the new image running (registers set), or -errno with the
 * task unchanged (errors found before the point of no return, as the kernel reports them).
 */
export function execve(task: Task, req: ExecRequest): number {
  const kernel = task.kernel;
  const program = openImage(task, req.path, -ENOEXEC);
  if (typeof program === 'number') return program;
  if ('script' in program) {
    // binfmt_script: the interpreter runs with [interpreter, argument?, script path, argv[1..]].
    const depth = (req.depth ?? 0) + 1;
    if (depth > MAX_SCRIPT_DEPTH) return -ELOOP;
    const { interpreter, argument } = program.script;
    const enc = (t: string) => Buffer.from(t, 'latin1');
    const argv = [enc(interpreter), ...(argument !== undefined ? [enc(argument)] : []), enc(req.path), ...req.argv.slice(1)];
    return execve(task, { path: interpreter, argv, envp: req.envp, execfn: req.execfn ?? req.path, depth });
  }
  let interp: OpenedImage | undefined;
  if (program.image.interp !== undefined) {
    const opened = openImage(task, program.image.interp, -ELIBBAD);
    if (typeof opened === 'number') return opened;
    if ('script' in opened) return -ELIBBAD;
    if (opened.image.type !== ET_DYN && opened.image.type !== ET_EXEC) return -ELIBBAD;
    interp = opened;
  }

  // The point of no return: a new mm; what fails after this kills the process (as the kernel sends SIGSEGV).
  const group = task.group;
  const randomize = (kernel.seed !== undefined || req.layoutRandom !== undefined) && (group.personality & ADDR_NO_RANDOMIZE) === 0;
  const mm = kernel.newMm(group.personality, req.layoutRandom);
  const space = mm.space;
  const rand = (bits: number): number => {
    const word = req.layoutRandom ? req.layoutRandom() : new DataView(kernel.randomBytes(8).buffer).getBigUint64(0, true);
    return Number(word & ((1n << BigInt(bits)) - 1n));
  };

  // 1. The program's segments.
  const img = program.image;
  let loadBias = 0;
  // An ET_DYN without interpreter and with page alignment (a static PIE, ld.so run directly): placed by mmap.
  let placedByMmap = false;
  if (img.type === ET_DYN) {
    const alignment = maximumAlignment(img.phdrs);
    if (interp || alignment > PAGE_SIZE) {
      loadBias = ELF_ET_DYN_BASE;
      if (randomize) loadBias += rand(MMAP_RND_BITS) * PAGE_SIZE;
      if (alignment) loadBias -= loadBias % alignment;
    } else placedByMmap = true;
    const first = img.phdrs.find((p) => p.type === PT_LOAD);
    loadBias = pageStart(loadBias - (first?.vaddr ?? 0));
  }
  const mapped = mapSegments(space, program.file, img, loadBias, !placedByMmap);
  if (typeof mapped === 'number') return failAfterExec(task, mapped);
  loadBias = mapped.bias;

  // 2. The brk heap, right after the program; randomized within 32 MiB (from ELF_ET_DYN_BASE for a static PIE).
  let brk = pageAlign(mapped.end);
  if (randomize) {
    if (img.type === ET_DYN && !interp) brk = ELF_ET_DYN_BASE;
    brk += rand(30) % (BRK_RANDOM_RANGE / PAGE_SIZE) * PAGE_SIZE;
  }
  mm.brk = { start: brk, current: brk };

  // 3. The interpreter, top-down from mmap_base.
  let entry = img.entry + loadBias;
  let interpBase = 0;
  if (interp) {
    const m = mapSegments(space, interp.file, interp.image, 0, false);
    if (typeof m === 'number') return failAfterExec(task, m);
    interpBase = m.bias;
    entry = interp.image.entry + m.bias;
  }

  // 4. [vvar], [vvar_vclock], [vdso].
  mm.vdso = mapVdso(space, kernel.vdsoImage());

  // 5. The stack: strings, random bytes, argc/argv/envp/auxv.
  const profile = kernel.profile;
  const hwcap = cpuid(profile, 1, 0)[3];
  const auxv: [number, bigint][] = [];
  if (mm.vdso) auxv.push([AT_SYSINFO_EHDR, BigInt(mm.vdso)]);
  auxv.push(
    [AT_MINSIGSTKSZ, BigInt(hostMinSigStackSize())], [AT_HWCAP, BigInt(hwcap >>> 0)], [AT_PAGESZ, BigInt(PAGE_SIZE)], [AT_CLKTCK, 100n],
    [AT_PHDR, BigInt(mapped.phdr)], [AT_PHENT, 56n], [AT_PHNUM, BigInt(img.phnum)], [AT_BASE, BigInt(interpBase)], [AT_FLAGS, 0n],
    [AT_ENTRY, BigInt(img.entry + loadBias)], [AT_UID, BigInt(task.cred.uid)], [AT_EUID, BigInt(task.cred.euid)], [AT_GID, BigInt(task.cred.gid)],
    [AT_EGID, BigInt(task.cred.egid)], [AT_SECURE, 0n], [AT_RANDOM, 0n], [AT_HWCAP2, 0n], [AT_EXECFN, 0n], [AT_PLATFORM, 0n],
    [AT_RSEQ_FEATURE_SIZE, 28n], [AT_RSEQ_ALIGN, 32n],
  );
  const stack = buildStack(space, {
    top: mm.stackTop,
    argv: req.argv,
    envp: req.envp,
    filename: Buffer.from(req.execfn ?? req.path, 'utf8'),
    random: kernel.randomBytes(16),
    alignOffset: randomize ? rand(13) : 0,
    auxv,
    executable: img.execStack,
    stackLimit: group.rlimits.get(RLIMIT_STACK)?.soft ?? 8 << 20,
  });
  if (typeof stack === 'number') {
    space.destroy();
    return stack;
  }
  Object.assign(mm, { exe: program.file.identity.path, argStart: stack.argStart, argEnd: stack.argEnd, envStart: stack.envStart, envEnd: stack.envEnd, auxv: stack.auxv, startStack: stack.sp });

  // 6. The new image replaces the old: close-on-exec files, caught signals reset, a fresh CPU at the entry.
  const old = task.mm;
  exitRobustList(task); // exec_mm_release: the old image's robust locks, while its memory is there
  task.mm = mm;
  if (old.space !== space && !kernel.sharesMm(task, old)) old.space.destroy();
  task.files.closeOnExec();
  group.sighand.resetForExec();
  const named = req.execfn ?? req.path;
  task.comm = named.slice(named.lastIndexOf('/') + 1).slice(0, 15);
  kernel.cpuFactory.release?.(task.cpu);
  const cpu = kernel.newCpu(space);
  cpu.rip = entry;
  cpu.setReg('rsp', stack.sp);
  cpu.rflags = 0x202;
  task.cpu = cpu;
  task.clearChildTid = 0;
  task.rseq = { addr: 0, len: 0, sig: 0 };
  return 0;
}

/** Past the point of no return the kernel kills the process; before building anything here nothing is lost. */
function failAfterExec(task: Task, errno: number): number {
  void task;
  return errno;
}

interface Mapped {
  /** The load bias (for a non-fixed ET_DYN interpreter: where it landed). */
  bias: number;
  /** End of the highest segment (p_vaddr + p_memsz + bias): elf_brk. */
  end: number;
  /** AT_PHDR: where the program headers are mapped. */
  phdr: number;
}

/**
 * Maps every PT_LOAD as elf_load does: the file part with elf_map (the first with the whole image's size, the rest
 * unmapped again, so the image is contiguous), the tail of the last file page zeroed, anonymous pages for the rest
 * of p_memsz. `fixedBias`: the program (bias chosen); otherwise the interpreter, placed where mmap finds room.
 */
function mapSegments(space: AddressSpace, file: OpenFile, img: ElfImage, bias: number, fixedBias: boolean): Mapped | number {
  const loads = img.phdrs.filter((p) => p.type === PT_LOAD);
  if (loads.length === 0) return -ENOEXEC;
  const total = totalMappingSize(img.phdrs);
  let placed = fixedBias || img.type === ET_EXEC;
  let end = 0;
  let phdr = 0;
  try {
    for (const [k, p] of loads.entries()) {
      const prot = protOf(p.flags);
      const at = bias + p.vaddr;
      if (p.filesz > 0) {
        const size = pageAlign(p.filesz + pageOffset(p.vaddr));
        const offset = p.offset - pageOffset(p.vaddr);
        const length = k === 0 ? pageAlign(total) : size;
        const addr = space.mmap({ addr: placed ? pageStart(at) : undefined, length, prot, fixed: placed, noReplace: false, file, offset });
        if (!placed) {
          bias = addr - pageStart(p.vaddr);
          placed = true;
        }
        if (length > size) space.munmap(addr + size, length - size);
        if (p.memsz > p.filesz) padZero(space, bias + p.vaddr + p.filesz, (prot & PROT_WRITE) !== 0);
      } else if (!placed) {
        return -EINVAL;
      }
      if (p.memsz > p.filesz) {
        const zeroStart = pageAlign(bias + p.vaddr + p.filesz);
        const zeroEnd = pageAlign(bias + p.vaddr + p.memsz);
        // vm_brk_flags: anonymous read-write memory (executable when the segment is).
        if (zeroEnd > zeroStart) space.mmap({ addr: zeroStart, length: zeroEnd - zeroStart, prot: 3 | (prot & 4), fixed: true, anonymous: true });
      }
      end = Math.max(end, bias + p.vaddr + p.memsz);
      if (p.offset <= img.phoff && img.phoff < p.offset + p.filesz) phdr = img.phoff - p.offset + p.vaddr + bias;
    }
  } catch (e) {
    if ((e as { code?: string }).code === 'ENOMEM') return -ENOMEM;
    if ((e as { code?: string }).code !== undefined) return -EINVAL;
    throw e;
  }
  return { bias, end, phdr };
}

/** padzero: zeros from `va` to the end of its page (the page becomes private); ignored when not writable. */
function padZero(space: AddressSpace, va: number, writable: boolean): void {
  const n = pageOffset(va) ? PAGE_SIZE - pageOffset(va) : 0;
  if (n === 0 || !writable) return;
  space.write(va, new Uint8Array(n));
}

export type { Phdr };
