// `picemu exec PROGRAM [ARG...]`: runs a real program in an emulated Linux process (SPEC.md): PATH search as a
// shell does, the environment, --rw directories, --strace, limits; exits with the program's status (128 + N when a
// signal killed it) and prints `cannot execute` (126/127) as a shell would.
import { Machine, quote, signalName, stepText, stepToJson, Strace, strerror, type ExitReason, type Task } from '../index.ts';
import type { Command } from './command.ts';
import { CPU_OPTION, parseCpuOption } from './cpu-option.ts';
import { ENGINE_OPTION, parseEngineOption } from './engine-option.ts';
import type { EngineName } from '../process/engines/engine.ts';
import { HelpRequest, limitOptionSpecs, parseBudget, parseSeconds, type OptionSpec } from './options.ts';
import type { ProfileName } from '../cpu/features.ts';
import { UsageError } from './errors.ts';
import { parseInteger } from '../util/numbers.ts';
import type { ParsedOptions } from './options.ts';
import { traceFilterOption, traceFilterOptions } from './trace-filter-option.ts';
import type { TraceFilter } from '../trace/filter.ts';
import { ExecTracer, type ExecStep } from '../process/exec-trace.ts';
import { findProgram } from '../process/find-program.ts';

/** exec's options (also recognized after the program's arguments; after `--` everything is the program's). */
export const EXEC_OPTIONS: readonly OptionSpec[] = [
  { name: '--env', value: 'K=V', help: "set a variable in the program's environment", repeatable: true },
  { name: '--env-clear', help: "start from an empty environment (then --env adds)" },
  { name: '--rw', value: 'DIR', help: 'let the program write DIR on the host; its other writes go to an in-memory overlay', repeatable: true },
  { name: '--strace', help: 'print each system call on stderr as strace does ([pid N] before other processes)' },
  { name: '--seed', value: 'S', help: 'randomize the layout (ASLR) from seed S; default: no randomization, as under setarch -R' },
  ...limitOptionSpecs('the program (exit 1)', { budget: 'none', timeout: 'none' }),
  { name: '--trace', help: "print every instruction of every process and thread with its annotated memory accesses (on stdout, between the program's own output)" },
  { name: '--json', help: "print one JSON document instead: program, argv, exit, the program's stdout and stderr (captured), and with --trace every step with its pid and tid" },
  { name: '--ndjson', help: 'stream one JSON object per line instead: {"type":"step","pid":..,"tid":..,...} as each traced step runs, then {"type":"output",...} and {"type":"exit",...}' },
  ...traceFilterOptions('the program', 'libc.so.6'),
  CPU_OPTION,
  ENGINE_OPTION,
];

export interface ExecRequest {
  program: string;
  args: string[];
  env: string[];
  rw: string[];
  strace: boolean;
  seed?: number;
  budget?: number;
  timeoutMs?: number;
  cpu?: ProfileName;
  /** --trace: record every step (text on stdout, or in the JSON). */
  trace?: boolean;
  /** --json: one document; --ndjson: one object per line. */
  output?: 'json' | 'ndjson';
  /** --trace-*: which steps the trace keeps. */
  traceFilter?: TraceFilter;
  engine?: EngineName;
}

const TRACE_VALUE_OPTIONS = ['--trace-module', '--trace-range', '--trace-first', '--trace-last'];
const TRACE_FLAG_OPTIONS = ['--trace', '--trace-memory', '--trace-rip-relative'];
const VALUE_OPTIONS = new Set(['--env', '--rw', '--seed', '--budget', '--timeout', '--cpu', '--engine', ...TRACE_VALUE_OPTIONS]);
const FLAG_OPTIONS = new Set(['--env-clear', '--strace', '--json', '--ndjson', ...TRACE_FLAG_OPTIONS]);

/** Options before PROGRAM, and exec's own options after it (not --help, which there is the program's); `--` ends them. */
export function parseExecArgs(argv: string[]): ExecRequest {
  let program: string | undefined;
  const args: string[] = [];
  const env = new Map<string, string>(Object.entries(process.env).filter((e): e is [string, string] => e[1] !== undefined));
  const sets: [string, string][] = [];
  let clear = false;
  const req: Omit<ExecRequest, 'program' | 'args' | 'env'> = { rw: [], strace: false };
  // The trace options, as run's parser holds them (so both commands read them with one function).
  const traceOptions: ParsedOptions = { positional: [], values: new Map() };
  const json = new Set<string>();
  for (let k = 0; k < argv.length; k++) {
    const a = argv[k]!;
    if (a === '--' ) {
      if (program === undefined) {
        program = argv[k + 1];
        args.push(...argv.slice(k + 2));
      } else args.push(...argv.slice(k + 1));
      break;
    }
    if (program === undefined && (a === '--help' || a === '-h')) throw new HelpRequest();
    if (FLAG_OPTIONS.has(a)) {
      if (a === '--env-clear') clear = true;
      else if (a === '--strace') req.strace = true;
      else if (a === '--json' || a === '--ndjson') json.add(a);
      else traceOptions.values.set(a, [...(traceOptions.values.get(a) ?? []), '']);
      continue;
    }
    if (VALUE_OPTIONS.has(a)) {
      const v = argv[++k];
      if (v === undefined) throw new UsageError(`${a} needs a value`);
      if (TRACE_VALUE_OPTIONS.includes(a)) traceOptions.values.set(a, [...(traceOptions.values.get(a) ?? []), v]);
      else if (a === '--env') {
        const eq = v.indexOf('=');
        if (eq <= 0) throw new UsageError(`--env wants K=V, not '${v}'`);
        sets.push([v.slice(0, eq), v.slice(eq + 1)]);
      } else if (a === '--rw') req.rw.push(v);
      else if (a === '--cpu') req.cpu = parseCpuOption(v);
      else if (a === '--engine') req.engine = parseEngineOption(v);
      else if (a === '--budget') req.budget = parseBudget(v);
      else if (a === '--timeout') req.timeoutMs = Math.round(parseSeconds(a, v) * 1000);
      else {
        const n = parseInteger(v);
        if (n === undefined || n < 0n) throw new UsageError(`${a}: bad value '${v}' (want a non-negative integer)`);
        req.seed = Number(n);
      }
      continue;
    }
    if (program === undefined) {
      if (a.startsWith('-')) throw new UsageError(`unknown option '${a}'`);
      program = a;
    } else args.push(a);
  }
  if (program === undefined) throw new UsageError('exec needs a PROGRAM');
  if (json.size > 1) throw new UsageError('--json and --ndjson exclude each other (one document, or one object per line)');
  if (json.size) req.output = json.has('--json') ? 'json' : 'ndjson';
  if (traceOptions.values.has('--trace')) req.trace = true;
  const traceFilter = traceFilterOption(traceOptions);
  if (traceFilter) req.traceFilter = traceFilter;
  if (clear) env.clear();
  for (const [key, value] of sets) env.set(key, value);
  return { ...req, program, args, env: [...env].map(([key, value]) => `${key}=${value}`) };
}

export async function performExec(req: ExecRequest): Promise<number> {
  const path = findProgram(req.program, req.env.find((e) => e.startsWith('PATH='))?.slice(5));
  if (path === undefined) {
    process.stderr.write(`picemu: cannot execute ${req.program}: ${strerror(2)}\n`);
    return 127;
  }
  // Machine.create loads capstone, so a fault's instruction prints as traces show it.
  const machine = await Machine.create({ seed: req.seed, rw: req.rw, cpu: req.cpu, engine: req.engine });
  const kernel = machine.kernel;
  kernel.note = (text) => process.stderr.write(`picemu: note: ${text}\n`);
  if (req.strace) kernel.tracer = new Strace((line) => process.stderr.write(line + '\n'));
  // With JSON on stdout, the program's stdout and stderr are captured (and reported in the JSON); stdin stays picemu's.
  const started = machine.exec(path, { argv: [req.program, ...req.args], env: req.env, stdio: req.output ? { stdin: 'host' } : 'host' });
  if (typeof started === 'number') {
    process.stderr.write(`picemu: cannot execute ${req.program}: ${strerror(-started)}\n`);
    return -started === 2 ? 127 : 126;
  }
  const group = started.task.group;
  if (req.strace) {
    // strace's first line: the execve that started the program (envp: where the new stack holds it).
    const argvText = [req.program, ...req.args].map((a) => quote(Buffer.from(a), Infinity)).join(', ');
    const envp = started.task.mm.startStack + 8 * (req.args.length + 2);
    process.stderr.write(`execve(${quote(Buffer.from(path), Infinity)}, [${argvText}], 0x${envp.toString(16)} /* ${req.env.length} vars */) = 0\n`);
  }
  const sink = new TraceOutput(req, (text) => void process.stdout.write(text));
  const tracer = req.trace ? new ExecTracer(req.traceFilter, (step) => sink.step(step)) : undefined;
  // Each step's output reaches stdout before the system call that follows it (the program's own writes interleave).
  const stepper = tracer && ((task: Task) => {
    const outcome = tracer.stepper(task);
    if (outcome.kind !== 'budget') sink.flush();
    return outcome;
  });
  const stop = kernel.run({
    budget: req.budget,
    deadlineMs: req.timeoutMs,
    until: () => group.exit !== undefined,
    get stepper() {
      return tracer?.active ? stepper : undefined;
    },
  });
  tracer?.finish();
  const exit = group.exit;
  const why = exit ? undefined : stop.kind === 'budget' ? `instruction budget of ${req.budget} ran out` : stop.kind === 'timeout' ? `timeout of ${req.timeoutMs! / 1000} s passed` : 'every task is waiting for something that cannot happen';
  sink.end({ program: path, argv: [req.program, ...req.args], exit, stopped: why, stdout: started.stdout?.bytes, stderr: started.stderr?.bytes });
  if (!exit) {
    process.stderr.write(`picemu: ${req.program}: ${why}\n`);
    return 1;
  }
  if (req.strace) process.stderr.write(exit.kind === 'exited' ? `+++ exited with ${exit.code} +++\n` : `+++ killed by ${signalName(exit.signal)}${exit.coreDumped ? ' (core dumped)' : ''} +++\n`);
  if (exit.kind === 'exited') return exit.code;
  // A reader that went away (`| head`) kills the writer with SIGPIPE, which a shell does not report either.
  if (signalName(exit.signal) === 'SIGPIPE') return 128 + exit.signal;
  const f = exit.fault;
  const where = f ? ` at 0x${(f.address ?? f.rip).toString(16)} (${f.instruction} at ${f.where})` : '';
  process.stderr.write(`picemu: ${req.program}: killed by ${signalName(exit.signal)}${where}\n`);
  return 128 + exit.signal;
}

/** How the program ended, as the JSON forms say it. */
function exitJson(exit: ExitReason | undefined, stopped: string | undefined): unknown {
  if (!exit) return { kind: 'stopped', why: stopped };
  if (exit.kind === 'exited') return { kind: 'exited', code: exit.code };
  const f = exit.fault;
  return { kind: 'signaled', signal: signalName(exit.signal), number: exit.signal, ...(f ? { fault: { address: f.address === undefined ? null : '0x' + f.address.toString(16), rip: '0x' + f.rip.toString(16), instruction: f.instruction, where: f.where } } : {}) };
}

/** What exec prints besides the program's own output: the text trace, the JSON document, or the NDJSON stream. */
class TraceOutput {
  private chunk = '';
  private readonly steps: unknown[] = [];
  private last: ExecStep | undefined;

  constructor(
    private readonly req: ExecRequest,
    private readonly write: (text: string) => void,
  ) {}

  step(step: ExecStep): void {
    const { event, tid } = step;
    if (this.req.output === 'json') {
      this.steps.push({ pid: event.pid, tid, ...stepToJson(event) });
      return;
    }
    if (this.req.output === 'ndjson') this.chunk += JSON.stringify({ type: 'step', pid: event.pid, tid, ...stepToJson(event) }) + '\n';
    else {
      if (this.last?.tid !== tid || this.last.event.pid !== event.pid) this.chunk += (event.pid === tid ? `process ${event.pid}:` : `process ${event.pid}, thread ${tid}:`) + '\n';
      this.chunk += stepText(event, { registerValues: true }) + '\n';
    }
    this.last = step;
    // Lines are batched: one write per step would cost a system call each.
    if (this.chunk.length >= 1 << 16) this.flush();
  }

  flush(): void {
    if (this.chunk) this.write(this.chunk);
    this.chunk = '';
  }

  end(result: { program: string; argv: string[]; exit: ExitReason | undefined; stopped: string | undefined; stdout?: Uint8Array; stderr?: Uint8Array }): void {
    const text = (b: Uint8Array | undefined) => Buffer.from(b ?? new Uint8Array(0)).toString('utf8');
    if (this.req.output === 'json') {
      const doc = { program: result.program, argv: result.argv, exit: exitJson(result.exit, result.stopped), stdout: text(result.stdout), stderr: text(result.stderr), ...(this.req.trace ? { trace: this.steps } : {}) };
      this.chunk += JSON.stringify(doc, null, 2) + '\n';
    } else if (this.req.output === 'ndjson') {
      for (const [fd, bytes] of [[1, result.stdout], [2, result.stderr]] as const) if (bytes?.length) this.chunk += JSON.stringify({ type: 'output', fd, text: text(bytes) }) + '\n';
      this.chunk += JSON.stringify({ type: 'exit', program: result.program, ...(exitJson(result.exit, result.stopped) as object) }) + '\n';
    }
    this.flush();
  }
}

export const command: Command = {
  summary: "run a program (ELF x86-64) in an emulated Linux process, with the system's real ld.so and libc",
  usage: 'PROGRAM [ARG...] [options]',
  description: [
    'PROGRAM is found on PATH as a shell finds it; the ARGs go to it. The environment is picemu\'s own (changed by --env and --env-clear); stdin, stdout and stderr are picemu\'s. The guest reads the host\'s files; what it writes goes to an in-memory overlay, except under --rw directories.',
    "picemu's options may come before PROGRAM or after the ARGs (--help only before PROGRAM); after `--` everything is the program's.",
    "Exit status: the program's; 128+N when signal N killed it (with a line saying where); 126 when it cannot be executed, 127 when it is not found.",
  ],
  options: EXEC_OPTIONS,
  async run(argv) {
    return performExec(parseExecArgs(argv));
  },
};
