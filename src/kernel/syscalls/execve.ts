// execve and execveat: the path, argv and envp read from the caller (EFAULT, E2BIG as the kernel checks them),
// the image replaced by exec's load_elf_binary; other threads of the process end, a vfork parent goes on.
import { E2BIG, EFAULT, EINVAL, ENOENT } from '../errno.ts';
import { execve as loadImage } from '../exec/index.ts';
import { forkedNoExec, releaseVfork } from '../lifecycle.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { stringFromUser, u64sFromUser } from '../user-memory.ts';
import { AT_EMPTY_PATH, atPath, int, pathArg, ulong } from './helpers.ts';

/** MAX_ARG_STRINGS, and MAX_ARG_STRLEN (32 pages) for one string. */
const MAX_ARG_STRINGS = 0x7fffffff;
const MAX_ARG_STRLEN = 32 * 4096;
const AT_SYMLINK_NOFOLLOW = 0x100;

/** A NULL-terminated vector of strings from user memory (argv, envp); NULL itself is an empty vector. */
function stringVector(task: Task, va: bigint): Uint8Array[] | number {
  const out: Uint8Array[] = [];
  if (!va) return out;
  let total = 0;
  for (let at = ulong(va); ; at += 8) {
    const p = u64sFromUser(task.space, at, 1);
    if (!p) return -EFAULT;
    if (!p[0]) return out;
    if (out.length >= MAX_ARG_STRINGS) return -E2BIG;
    const s = stringFromUser(task.space, ulong(p[0]), MAX_ARG_STRLEN);
    if (s === null) return -EFAULT;
    if (s === 'too-long') return -E2BIG;
    total += s.length + 1 + 8;
    // The strings and pointers must fit in a quarter of the stack limit (bprm_stack_limits).
    if (total > (task.group.rlimits.get(3)?.soft ?? 8 << 20) / 4) return -E2BIG;
    out.push(s);
  }
}

export function doExecve(task: Task, path: string, argvPtr: bigint, envpPtr: bigint): SyscallResult {
  const argv = stringVector(task, argvPtr);
  if (typeof argv === 'number') return argv;
  const envp = stringVector(task, envpPtr);
  if (typeof envp === 'number') return envp;
  const old = task.mm;
  const r = loadImage(task, { path, argv, envp });
  if (r < 0) return r;
  // de_thread: the other threads of the process end; the old memory goes when no one else uses it.
  for (const t of task.group.threads) {
    if (t === task || t.state === 'dead') continue;
    t.state = 'dead';
    t.blockedIn = undefined;
    releaseVfork(t);
  }
  if (old !== task.mm && !task.kernel.sharesMm(task, old) && old.space.mappings().length) old.space.destroy();
  // The new image: no alternate signal stack (its flags stay, as exec leaves them); a vfork parent goes on.
  Object.assign(task.signals.altStack, { sp: 0n, size: 0n });
  releaseVfork(task);
  forkedNoExec.delete(task.group);
  task.kernel.debugger?.exec?.(task);
  return { kind: 'registers-set' };
}

defineSyscalls([
  {
    nr: 59, name: 'execve', args: ['path', 'ptr', 'ptr'],
    handler: (t, [path, argv, envp]) => {
      const p = pathArg(t, path!);
      return typeof p === 'number' ? p : doExecve(t, p, argv!, envp!);
    },
  },
  {
    nr: 322, name: 'execveat', args: ['dirfd', 'path', 'ptr', 'ptr', 'at-flags'],
    handler: (t, [dirfd, path, argv, envp, flags]) => {
      if (int(flags!) & ~(AT_EMPTY_PATH | AT_SYMLINK_NOFOLLOW)) return -EINVAL;
      const p = pathArg(t, path!, (int(flags!) & AT_EMPTY_PATH) !== 0);
      if (typeof p === 'number') return p;
      const full = atPath(t, int(dirfd!), p);
      if (typeof full === 'number') return full;
      return full === '' ? -ENOENT : doExecve(t, full, argv!, envp!);
    },
  },
]);
