// A process that libraries needing libc are opened in: a real program of the system exec'ed by picemu's kernel
// and run until its entry point (AT_ENTRY), when the real ld.so has mapped, relocated and initialized libc and
// everything else. The program's own code never runs: its entry is where every later call returns to.
import { AT_BASE, AT_ENTRY } from '../kernel/exec/stack.ts';
import { execve } from '../kernel/exec/index.ts';
import { errnoName, strerror } from '../kernel/errno.ts';
import { syscallName } from '../kernel/syscall-table.ts';
import type { Task } from '../kernel/task.ts';
import type { VirtAddr } from '../mm/types.ts';
import type { ProcessEngine } from './engines/engine.ts';
import { LoadError } from '../loader/index.ts';
import { VdsoCopies } from './vdso-copies.ts';

/** The program exec'ed to host library calls: present on every Debian system, linked against libc only. */
export const HOST_PROGRAM = '/bin/true';

/** Limits on ld.so's start-up (it runs well under a million instructions for /bin/true). */
export const START_BUDGET = 50_000_000;
export const START_DEADLINE_MS = 20_000;

/** The environment an exec'ed program gets from picemu: picemu's own, as `picemu exec` passes it. */
export function hostEnvironment(): string[] {
  return Object.entries(process.env).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]));
}

export interface ExecStart {
  /** AT_ENTRY: the program's entry, where ld.so jumps when start-up is done; calls return here. */
  entry: VirtAddr;
  /** AT_BASE: where ld.so is mapped. */
  interpreterBase: VirtAddr;
  /** rsp at the entry (argc; argv, envp and auxv above it). */
  entryRsp: VirtAddr;
  /** Instructions ld.so's start-up executed. */
  executed: number;
  /** The vDSO's private copies, for an engine that cannot map the kernel's image (vdso-copies.ts). */
  vdsoCopies?: VdsoCopies;
}

/**
 * exec's HOST_PROGRAM in `task` (replacing its address space) and runs `cpu` (made for the new space by
 * `makeEngine`) until AT_ENTRY. System calls go to the task's kernel as an exec'ed program's do. `layoutRandom`:
 * the randomness of the new layout (the kernel's own when absent).
 */
export function execUntilEntry(task: Task, makeEngine: () => ProcessEngine, env: readonly string[], layoutRandom?: () => bigint): { start: ExecStart; cpu: ProcessEngine } {
  const enc = (s: string) => Buffer.from(s, 'utf8');
  const r = execve(task, { path: HOST_PROGRAM, argv: [enc(HOST_PROGRAM.slice(HOST_PROGRAM.lastIndexOf('/') + 1))], envp: env.map(enc), ...(layoutRandom ? { layoutRandom } : {}) });
  if (r < 0) throw new LoadError(`cannot execute ${HOST_PROGRAM}: ${errnoName(-r)} (${strerror(-r)})`);
  const auxv = new Map(task.mm.auxv.map(([k, v]) => [Number(k), Number(v)]));
  const entry = auxv.get(AT_ENTRY)!;
  const interpreterBase = auxv.get(AT_BASE) ?? 0;
  // The engine the process runs on (picemu's CPU or unicorn), started from the registers exec left.
  const cpu = makeEngine();
  cpu.copyUserStateFrom(task.cpu);
  task.cpu = cpu;
  // unicorn maps only frames of its own heap: the vDSO's pages (windows into the kernel's image) are copied.
  const vdsoCopies = cpu.name === 'unicorn' ? VdsoCopies.install(task.space) : undefined;
  const deadline = Date.now() + START_DEADLINE_MS;
  let executed = 0;
  for (;;) {
    const out = cpu.run({ until: entry, maxInstructions: START_BUDGET - executed, deadlineMs: Math.max(0, deadline - Date.now()) });
    executed += out.executed;
    if (cpu.rip === entry && out.kind !== 'fault') break;
    const where = `at 0x${cpu.rip.toString(16)} after ${executed} instructions of ld.so's start-up of ${HOST_PROGRAM}`;
    switch (out.kind) {
      case 'syscall': {
        const nr = Number(cpu.r64[0]!);
        const after = task.kernel.syscallNow(task);
        if (after.kind === 'continue') continue;
        if (after.kind === 'blocked') throw new LoadError(`${syscallName(nr)} would block forever ${where}`);
        throw new LoadError(after.kind === 'exited' ? `${HOST_PROGRAM} exited with status ${after.code} ${where}` : `${HOST_PROGRAM} was killed by signal ${after.signal} ${where}`);
      }
      case 'fault': throw new LoadError(`${out.fault.kind} (signal ${out.fault.signal}) ${where}`);
      case 'halt': throw new LoadError(`hlt ${where}`);
      case 'budget': throw new LoadError(`instruction budget of ${START_BUDGET} ran out ${where}`);
      case 'timeout': throw new LoadError(`deadline of ${START_DEADLINE_MS} ms passed ${where}`);
      default: continue;
    }
  }
  return { start: { entry, interpreterBase, entryRsp: cpu.gprNumber(4), executed, ...(vdsoCopies ? { vdsoCopies } : {}) }, cpu };
}
