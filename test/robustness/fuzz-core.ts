// The fuzzer's core: for each mutated .so, parse it, load it into a fresh process of a fresh Machine, call
// an exported function under an instruction budget, and judge the outcome (typed errors only, time, memory).
import { mkdirSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { GuestFault } from '../../src/cpu/index.ts';
import { ElfError, parseElf, PF_X, STT_FUNC, type ElfFile } from '../../src/elf/index.ts';
import { LoadError } from '../../src/loader/index.ts';
import { MmError, PAGE_SIZE } from '../../src/mm/index.ts';
import { CallError, CallFault, InitializerError } from '../../src/process/errors.ts';
import { Machine } from '../../src/process/machine.ts';
import type { Process } from '../../src/process/process.ts';
import { describeSeed, mutate, rng, type SeedFile } from './mutate.ts';

/** Per-process memory cap the fuzzer holds picemu to: frames allocated by one load + call. */
export const MEMORY_CAP = 256 * 1024 * 1024;
/** Longest any one input may take. */
export const TIME_LIMIT_MS = 1000;

export interface FuzzOptions {
  /** Instructions the called function may run. */
  budget?: number;
  /** Deadline for the call, ms. */
  deadlineMs?: number;
  /** Stop after parsing (no load, no call). */
  parseOnly?: boolean;
  /** Directory for the files the loader opens (one per worker). */
  workDir?: string;
}

export type Stage = 'parse' | 'load' | 'call';

export interface InputResult {
  /** The last stage reached. */
  stage: Stage;
  /** 'ok' (returned), or the error class that ended it: ElfError, LoadError, MmError, CallFault, CallLimitError, ... */
  outcome: string;
  message?: string;
  ms: number;
  /** Bytes of frames the load and call allocated. */
  allocated: number;
  /** Why this input fails the fuzzer's rules; undefined when it passes. */
  failure?: string;
}

/** An ElfError must name a field, show its value and the file offset (the message is `<field> <value> ... at offset 0x..`). */
export function elfErrorProblem(e: ElfError): string | undefined {
  if (!e.field || e.field === 'parser') return `ElfError without a field (internal error): ${e.message}`;
  if (!e.message.startsWith(e.field + ' ')) return `ElfError message does not start with its field: ${e.message}`;
  if (!/ at offset 0x[0-9a-f]+$/.test(e.message)) return `ElfError message does not end with the offset: ${e.message}`;
  if (!Number.isSafeInteger(e.offset) || e.offset < 0) return `ElfError offset ${e.offset}`;
  if (e.value === undefined) return `ElfError without a value: ${e.message}`;
  return undefined;
}

/** Which errors the load and call stages may end with; anything else (TypeError, RangeError, a raw PageFault, ...) is a failure. */
export function classifyError(e: unknown, stage: Stage): { outcome: string; message: string; failure?: string } {
  const message = e instanceof Error ? e.message : String(e);
  const outcome = e instanceof Error ? e.name : typeof e;
  if (e instanceof ElfError) return { outcome, message, failure: elfErrorProblem(e) };
  if (stage === 'parse') return { outcome, message, failure: `parseElf threw ${outcome}, not ElfError: ${message}` };
  if (e instanceof LoadError || e instanceof MmError) return { outcome, message, failure: message.length < 10 ? `unclear ${outcome}: ${message}` : undefined };
  if (e instanceof InitializerError) return { outcome, message, failure: e.failure instanceof CallError ? undefined : `initializer failure is not a CallError` };
  if (e instanceof CallFault) return { outcome, message, failure: e.fault instanceof GuestFault ? undefined : 'CallFault without a GuestFault' };
  if (e instanceof CallError && stage === 'call') return { outcome, message };
  return { outcome, message, failure: `${stage} threw ${outcome}: ${message}${e instanceof Error && e.stack ? '\n' + e.stack.split('\n').slice(1, 6).join('\n') : ''}` };
}

/** The exported functions of a parsed file that lie in an executable segment (call candidates). */
export function exportedFunctions(elf: ElfFile): { name: string; value: number }[] {
  return elf.dynamicSymbols.filter((s) => s.defined && s.type === STT_FUNC && s.name && elf.loads.some((p) => p.flags & PF_X && s.value >= p.vaddr && s.value < p.vaddr + p.memsz));
}

/** Loads `path` into the process with picemu's loader (Machine.load: DT_NEEDED, relocations, RELRO, initializers). */
function load(machine: Machine, proc: Process, path: string): void {
  machine.load(proc, path);
}

let workCounter = 0;

/** Runs one input through every stage it gets to. */
export function runInput(bytes: Uint8Array, name: string, pick: () => number, options: FuzzOptions = {}): InputResult {
  const t0 = performance.now();
  const done = (r: Omit<InputResult, 'ms'>): InputResult => {
    const ms = performance.now() - t0;
    const failure = r.failure ?? (ms > TIME_LIMIT_MS ? `took ${ms.toFixed(0)} ms (limit ${TIME_LIMIT_MS})` : undefined);
    return { ...r, ms, failure };
  };
  let elf: ElfFile;
  try {
    elf = parseElf(bytes, name);
  } catch (e) {
    return done({ stage: 'parse', allocated: 0, ...classifyError(e, 'parse') });
  }
  if (options.parseOnly) return done({ stage: 'parse', outcome: 'ok', allocated: 0 });

  // A fresh machine and process; the file under its own name in a private directory (the loader opens paths).
  const dir = options.workDir ?? defaultWorkDir();
  const path = join(dir, basename(name));
  writeFileSync(path, bytes);
  const real = realpathSync(path);
  const machine = new Machine({ seed: ++workCounter });
  const proc = machine.spawn();
  const baseline = machine.physical.liveCount;
  const allocated = () => (machine.physical.liveCount - baseline) * PAGE_SIZE;
  // What the file may make picemu allocate: itself and every PT_LOAD's pages, plus what the call may touch.
  const declared = bytes.length + elf.loads.reduce((n, p) => n + Math.ceil((p.memsz + (p.vaddr % PAGE_SIZE)) / PAGE_SIZE) * PAGE_SIZE, 0);
  const memoryProblem = (stage: Stage): string | undefined => {
    const a = allocated();
    // Dependencies (DT_NEEDED) bring their own pages: count every module the process holds.
    const deps = proc.modules.reduce((n, m) => n + (m.path === real ? 0 : m.span + 65536), 0);
    const bound = Math.min(MEMORY_CAP, declared + deps + 16 * 1024 * 1024);
    return a > bound ? `${stage} allocated ${a} bytes of frames (bound ${bound}: file ${bytes.length} + declared pages + deps + 16 MiB, cap ${MEMORY_CAP})` : undefined;
  };
  try {
    load(machine, proc, path);
  } catch (e) {
    const c = classifyError(e, 'load');
    return done({ stage: 'load', allocated: allocated(), ...c, failure: c.failure ?? memoryProblem('load') });
  }
  const afterLoad = memoryProblem('load');
  if (afterLoad) return done({ stage: 'load', outcome: 'ok', allocated: allocated(), failure: afterLoad });

  const candidates = exportedFunctions(elf);
  const root = proc.modules.find((m) => m.path === real);
  if (candidates.length === 0 || !root) return done({ stage: 'load', outcome: 'ok', allocated: allocated(), failure: root ? undefined : `loaded, but no module for ${path} in the process` });
  const symbol = candidates[Math.floor(pick() * candidates.length)]!;
  const args = [0, 1, new Uint8Array(256), 16, 0, 0].slice(0, 1 + Math.floor(pick() * 6));
  try {
    proc.call(root.base + symbol.value, args, { budget: options.budget ?? 20_000, deadlineMs: options.deadlineMs ?? 500 });
    return done({ stage: 'call', outcome: 'ok', allocated: allocated(), failure: memoryProblem('call') });
  } catch (e) {
    const c = classifyError(e, 'call');
    return done({ stage: 'call', allocated: allocated(), ...c, failure: c.failure ?? memoryProblem('call') });
  }
}

function defaultWorkDir(): string {
  const dir = join(tmpdir(), `picemu-fuzz-${process.pid}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

/** Removes the work directory runInput made for this process. */
export function cleanWorkDir(): void {
  rmSync(join(tmpdir(), `picemu-fuzz-${process.pid}`), { recursive: true, force: true });
}

export interface Campaign {
  seed: number;
  iterations: number;
  /** Seed files (paths); each must parse intact. */
  corpus: string[];
  options?: FuzzOptions;
  /** Called for each failing input (to save it). */
  onFailure?: (f: FailingInput) => void;
  /** Called every `progressEvery` inputs. */
  onProgress?: (s: CampaignStats) => void;
  progressEvery?: number;
}

export interface FailingInput {
  source: string;
  seed: number;
  iteration: number;
  recipe: string[];
  bytes: Uint8Array;
  result: InputResult;
}

export interface CampaignStats {
  inputs: number;
  failures: number;
  byStage: Record<string, number>;
  byOutcome: Record<string, number>;
  slowestMs: number;
  slowest?: string;
  maxAllocated: number;
  ms: number;
}

const seedCache = new Map<string, SeedFile | null>();

/** The intact seed file (null when it does not parse: it is then skipped). */
export function seedFile(path: string): SeedFile | null {
  let s = seedCache.get(path);
  if (s === undefined) {
    try {
      s = describeSeed(path, new Uint8Array(readFileSync(path)));
    } catch {
      s = null;
    }
    seedCache.set(path, s);
  }
  return s;
}

/** The mutation stream for (seed, iteration): independent of the corpus, so a recipe needs only the source file. */
export function mutationRng(seed: number, iteration: number): () => number {
  return rng((Math.imul(seed, 0x9e3779b1) ^ Math.imul(iteration + 1, 0x85ebca6b) ^ 0x5bd1e995) >>> 0);
}

/** The mutant of `source` for (seed, iteration), as a campaign makes it. */
export function mutantOf(source: SeedFile, seed: number, iteration: number): { bytes: Uint8Array; recipe: string[]; pick: () => number } {
  const pick = mutationRng(seed, iteration);
  const m = mutate(source, pick);
  return { bytes: m.bytes, recipe: m.recipe, pick };
}

/** The input a campaign makes at `iteration` (deterministic in seed, iteration and the corpus order). */
export function inputAt(corpus: string[], seed: number, iteration: number): { source: SeedFile; bytes: Uint8Array; recipe: string[]; pick: () => number } | null {
  const choose = rng((Math.imul(seed, 0x27d4eb2f) + iteration) >>> 0);
  const source = seedFile(corpus[Math.floor(choose() * corpus.length)]!);
  if (!source) return null;
  return { source, ...mutantOf(source, seed, iteration) };
}

/** Runs a campaign and returns its figures. */
export function runCampaign(c: Campaign): CampaignStats {
  const stats: CampaignStats = { inputs: 0, failures: 0, byStage: {}, byOutcome: {}, slowestMs: 0, maxAllocated: 0, ms: 0 };
  const t0 = performance.now();
  for (let i = 0; i < c.iterations; i++) {
    const input = inputAt(c.corpus, c.seed, i);
    if (!input) continue;
    const result = runInput(input.bytes, input.source.path, input.pick, c.options);
    stats.inputs++;
    stats.byStage[result.stage] = (stats.byStage[result.stage] ?? 0) + 1;
    const key = `${result.stage}:${result.outcome}`;
    stats.byOutcome[key] = (stats.byOutcome[key] ?? 0) + 1;
    if (result.ms > stats.slowestMs) {
      stats.slowestMs = result.ms;
      stats.slowest = `${input.source.path} #${i}`;
    }
    stats.maxAllocated = Math.max(stats.maxAllocated, result.allocated);
    if (result.failure) {
      stats.failures++;
      c.onFailure?.({ source: input.source.path, seed: c.seed, iteration: i, recipe: input.recipe, bytes: input.bytes, result });
    }
    if (c.onProgress && (i + 1) % (c.progressEvery ?? 1000) === 0) c.onProgress({ ...stats, ms: performance.now() - t0 });
  }
  stats.ms = performance.now() - t0;
  return stats;
}

/** Machine code for the CPU fuzzer: a window of a real executable segment with some bytes changed, or random bytes. */
export function codeInput(source: SeedFile, pick: () => number): { code: Uint8Array; recipe: string } {
  const int = (n: number) => Math.floor(pick() * n);
  const text = source.elf.loads.find((p) => p.flags & PF_X && p.filesz > 64);
  const code = new Uint8Array(256);
  let recipe: string;
  if (text && pick() < 0.8) {
    const at = text.offset + int(text.filesz - 64);
    code.set(source.bytes.subarray(at, Math.min(at + 256, text.offset + text.filesz, source.bytes.length)));
    const flips = int(6);
    for (let k = 0; k < flips; k++) code[int(code.length)] = int(256);
    recipe = `code from ${source.path}@0x${at.toString(16)}, ${flips} bytes changed`;
  } else {
    for (let i = 0; i < code.length; i++) code[i] = int(256);
    recipe = 'random code';
  }
  return { code, recipe };
}

/** Runs `code` in a fresh process: its own r-x page, argument registers pointing at a scratch buffer or small integers. */
export function runCode(code: Uint8Array, pick: () => number, options: FuzzOptions = {}): InputResult {
  const t0 = performance.now();
  const machine = new Machine({ seed: ++workCounter });
  const proc = machine.spawn();
  const baseline = machine.physical.liveCount;
  const text = proc.space.mmap({ length: 2 * PAGE_SIZE, prot: 5 });
  proc.space.poke(text, code);
  const args = [new Uint8Array(4096), 0, 1, new Uint8Array(64), -1, 0x1000].slice(0, 1 + Math.floor(pick() * 6));
  let result: Omit<InputResult, 'ms'>;
  try {
    proc.call(text, args, { budget: options.budget ?? 2000, deadlineMs: options.deadlineMs ?? 500 });
    result = { stage: 'call', outcome: 'ok', allocated: 0 };
  } catch (e) {
    result = { stage: 'call', allocated: 0, ...classifyError(e, 'call') };
  }
  const allocated = (machine.physical.liveCount - baseline) * PAGE_SIZE;
  const ms = performance.now() - t0;
  const failure = result.failure ?? (ms > TIME_LIMIT_MS ? `took ${ms.toFixed(0)} ms (limit ${TIME_LIMIT_MS})` : allocated > 64 * 1024 * 1024 ? `allocated ${allocated} bytes running 2000 instructions` : undefined);
  return { ...result, allocated, ms, failure };
}

/** A CPU campaign: `iterations` code inputs made from the corpus's executable segments (or random bytes). */
export function runCodeCampaign(c: Campaign): CampaignStats {
  const stats: CampaignStats = { inputs: 0, failures: 0, byStage: {}, byOutcome: {}, slowestMs: 0, maxAllocated: 0, ms: 0 };
  const t0 = performance.now();
  for (let i = 0; i < c.iterations; i++) {
    const pick = mutationRng(c.seed ^ 0xc0de, i);
    const source = seedFile(c.corpus[Math.floor(pick() * c.corpus.length)]!);
    if (!source) continue;
    const { code, recipe } = codeInput(source, pick);
    const result = runCode(code, pick, c.options);
    stats.inputs++;
    stats.byStage.call = (stats.byStage.call ?? 0) + 1;
    stats.byOutcome[`call:${result.outcome}`] = (stats.byOutcome[`call:${result.outcome}`] ?? 0) + 1;
    if (result.ms > stats.slowestMs) {
      stats.slowestMs = result.ms;
      stats.slowest = `${recipe} #${i}`;
    }
    stats.maxAllocated = Math.max(stats.maxAllocated, result.allocated);
    if (result.failure) {
      stats.failures++;
      c.onFailure?.({ source: source.path, seed: c.seed, iteration: i, recipe: [recipe, Buffer.from(code).toString('hex')], bytes: code, result });
    }
    if (c.onProgress && (i + 1) % (c.progressEvery ?? 1000) === 0) c.onProgress({ ...stats, ms: performance.now() - t0 });
  }
  stats.ms = performance.now() - t0;
  return stats;
}
