// `exec --trace`: the steps of an exec'ed program checked against real things: the system calls its `syscall`
// steps make equal `strace -f` of the native run, each step's bytes are the file's bytes there (readelf's program
// headers map the offset), threads and a fork child show as their own tid/pid, and the CLI's NDJSON starts at the
// entry point readelf gives for ld.so.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Machine, syscallName, type StepEvent } from '../../src/index.ts';
import { ExecTracer, type ExecStep } from '../../src/process/exec-trace.ts';
import { buildCSource, hasCc, hasReadelf, repoRoot, hasStrace, VDSO_CALLS } from '../helpers/oracles.ts';
import { readelf } from '../helpers/readelf.ts';
import { ENV } from '../kernel/programs.ts';

/** Execs argv with a tracer: every kept step (given to `onStep`, or kept), the program's stdout, its exit. */
async function traced(argv: string[], filter?: ConstructorParameters<typeof ExecTracer>[0], onStep?: (step: ExecStep) => void): Promise<{ steps: ExecStep[]; stdout: string; exit: unknown }> {
  const machine = await Machine.create();
  const s = machine.exec(argv[0]!, { argv, env: ENV, stdio: {} });
  if (typeof s === 'number') throw new Error(`exec ${argv[0]}: ${s}`);
  const steps: ExecStep[] = [];
  const tracer = new ExecTracer(filter, onStep ?? ((step) => steps.push(step)));
  machine.kernel.run({ deadlineMs: 120_000, until: () => s.task.group.exit !== undefined, stepper: tracer.stepper });
  tracer.finish();
  return { steps, stdout: Buffer.from(s.stdout!.bytes).toString('utf8'), exit: s.task.group.exit };
}

/** Collects the system call each `syscall` step makes: rax as the steps since the previous one last set it. */
class SyscallNumbers {
  private readonly rax = new Map<number, bigint | undefined>();
  readonly numbers: (number | undefined)[] = [];

  add({ tid, event }: ExecStep): void {
    for (const r of event.registers) if (r.name === 'rax') this.rax.set(tid, r.after);
    if (event.asm === 'syscall') {
      const v = this.rax.get(tid);
      this.numbers.push(v === undefined ? undefined : Number(v));
      this.rax.set(tid, undefined); // the kernel's result replaces it, outside any step
    }
  }
}

/** readelf -lW's LOAD headers of a file (link address range → file offset), and its bytes. */
const loadsOf = new Map<string, { offset: number; vaddr: number; filesz: number }[]>();
const filesRead = new Map<string, Buffer>();
function fileBytesAt(path: string, linkAddress: number, length: number): Buffer | undefined {
  let loads = loadsOf.get(path);
  if (!loads) {
    loads = [...readelf(['-lW'], path).matchAll(/^\s+LOAD\s+0x([0-9a-f]+) 0x([0-9a-f]+) 0x[0-9a-f]+ 0x([0-9a-f]+)/gm)].map((m) => ({ offset: parseInt(m[1]!, 16), vaddr: parseInt(m[2]!, 16), filesz: parseInt(m[3]!, 16) }));
    loadsOf.set(path, loads);
  }
  const ph = loads.find((l) => linkAddress >= l.vaddr && linkAddress + length <= l.vaddr + l.filesz);
  if (!ph) return undefined;
  let file = filesRead.get(path);
  if (!file) filesRead.set(path, (file = readFileSync(path)));
  const at = ph.offset + (linkAddress - ph.vaddr);
  return file.subarray(at, at + length);
}

const strace = hasStrace();
const readelfOk = hasReadelf();

describe.skipIf(!strace || !readelfOk)('a traced /bin/echo', () => {
  it('makes the system calls strace -f shows natively, and every step is the file\'s bytes at its offset', async () => {
    const argv = ['/bin/echo', 'hi'];
    const out = join(mkdtempSync(join(tmpdir(), 'picemu-trace-')), 'strace');
    execFileSync('strace', ['-f', '-qq', '-o', out, 'env', '-i', ...ENV, ...argv], { stdio: ['ignore', 'pipe', 'ignore'] });
    const lines = readFileSync(out, 'utf8').trim().split('\n').map((l) => l.replace(/^\d+\s+/, ''));
    const start = lines.findIndex((l) => l.startsWith(`execve("${argv[0]}"`));
    const want = lines.slice(start + 1).map((l) => l.match(/^(\w+)\(/)?.[1]).filter((n): n is string => !!n && !VDSO_CALLS.has(n));

    // Steps are looked at as they run (a quarter of a million are not kept).
    const syscalls = new SyscallNumbers();
    const byPlace = new Map<string, StepEvent>();
    // The files a step can be in, by the name traces give them: the program and what ldd lists (canonical paths).
    const files = new Map<string, string>();
    for (const f of [argv[0]!, ...execFileSync('ldd', [argv[0]!], { encoding: 'utf8' }).matchAll(/(\/\S+) \(0x/g)].map((m) => (typeof m === 'string' ? m : m[1]!))) {
      const path = realpathSync(f);
      files.set(basename(path), path);
    }
    let others = 0;
    const { stdout, exit } = await traced(argv, undefined, (step) => {
      syscalls.add(step);
      const { event } = step;
      if (event.module !== undefined && event.offset !== undefined) byPlace.set(`${event.module}:${event.offset}`, event);
      if (step.tid !== 1 || event.pid !== 1) others++;
    });
    expect(stdout).toBe('hi\n');
    expect(exit).toEqual({ kind: 'exited', code: 0 });
    const names = syscalls.numbers.map((nr) => (nr === undefined ? '(unknown)' : syscallName(nr))).filter((n) => !VDSO_CALLS.has(n));
    expect(names).toEqual(want);
    expect(others).toBe(0);

    // Every step inside a file mapping: its bytes are the file's at that link address (readelf's LOAD headers).
    expect(byPlace.size).toBeGreaterThan(1000);
    for (const e of byPlace.values()) {
      const path = files.get(e.module!);
      const expected = path === undefined ? undefined : fileBytesAt(path, e.offset!, e.bytes.length);
      expect(expected && Buffer.from(e.bytes).equals(expected), `${e.module}+0x${e.offset!.toString(16)} ${e.asm}`).toBe(true);
    }
  }, 180_000);
});

describe.skipIf(!hasCc())('threads and a fork child in a trace', () => {
  it('name the thread and the process that ran each step; the child\'s write breaks copy-on-write', async () => {
    const program = buildCSource(join(repoRoot, 'test/exec-trace/c/trace_threads.c'), ['-pthread', '-Wl,-z,now']);
    const native = execFileSync(program, { encoding: 'utf8' });
    expect(native).toBe('2 1 0\n');
    const module = program.slice(program.lastIndexOf('/') + 1);
    const { steps, stdout } = await traced([program], { modules: [module] });
    expect(stdout).toBe(native);
    const workers = steps.filter((s) => s.event.symbol?.startsWith('worker'));
    const tids = new Set(workers.map((s) => s.tid));
    expect(tids.size).toBe(2); // as many as the native run counted
    for (const s of workers) expect(s.event.pid !== s.tid && s.event.pid === steps[0]!.event.pid).toBe(true);
    // The child (another pid) writes `counted`: a copy of the parent's page; the parent later reads its own frame.
    const childWrite = steps.flatMap((s) => s.event.accesses.filter((a) => a.kind === 'write' && a.symbol === 'counted').map((a) => ({ s, a }))).find(({ s }) => s.event.pid !== steps[0]!.event.pid);
    expect(childWrite?.a.cow).not.toBeNull();
    const parentRead = steps.filter((s) => s.event.pid === steps[0]!.event.pid).flatMap((s) => s.event.accesses).filter((a) => a.kind === 'read' && a.symbol === 'counted').at(-1);
    expect(parentRead?.frame).toBe(childWrite!.a.cow!.from);
    expect(parentRead?.frame).not.toBe(childWrite!.a.cow!.to);
  }, 180_000);
});

describe.skipIf(!readelfOk)('picemu exec --ndjson --trace', () => {
  it('streams steps with pid and tid from ld.so\'s entry point (readelf -h), then the exit', () => {
    const out = execFileSync('npx', ['tsx', 'src/cli.ts', 'exec', '--ndjson', '--trace', '--trace-first', '5', '/bin/true'], { cwd: repoRoot, encoding: 'utf8' });
    const lines = out.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => l.type)).toEqual(['step', 'step', 'step', 'step', 'step', 'exit']);
    const interp = readelf(['-lW'], '/bin/true').match(/Requesting program interpreter: ([^\]]+)\]/)![1]!;
    const entry = readelf(['-h'], interp).match(/Entry point address:\s+0x([0-9a-f]+)/)![1]!;
    expect(lines[0]).toMatchObject({ pid: 1, tid: 1, module: interp.slice(interp.lastIndexOf('/') + 1), offset: `0x${entry}` });
    expect(lines[5]).toMatchObject({ kind: 'exited', code: 0 });
  }, 120_000);
});
