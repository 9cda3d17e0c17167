// A Machine: physical memory and one page cache shared by its processes, so two processes that load one
// library map its clean pages to the same frames. Spawns processes (pid from 1) and shows the frame table.
import { inspect } from 'node:util';
import { cpuProfile, type CpuProfile, type ProfileName } from '../cpu/features.ts';
import { splitmix64 } from '../mm/layout.ts';
import { PageCache } from '../mm/page-cache.ts';
import { PhysicalMemory } from '../mm/physical.ts';
import type { EngineFactory, EngineName, ProcessEngine } from './engines/engine.ts';
import type { Cpu } from '../cpu/index.ts';
import { picemuEngine } from './engines/picemu.ts';
import { loadUnicornModule, unicornModule, UnicornFramePool } from './engines/unicorn-module.ts';
import { unicornEngine } from './engines/unicorn-wasm.ts';
import { unicornProfile } from './engines/unicorn-profile.ts';
import { ensureDisassembler } from '../trace/disassemble.ts';
import { loadLibrary, type LoadOptions, type LoadResult } from './load.ts';
import { pageTable, type PageRow } from './page-table.ts';
import { Process } from './process.ts';
import { Kernel } from '../kernel/kernel.ts';
import { spawnProgram, type SpawnOptions, type Spawned } from '../kernel/spawn.ts';
import { vmaInfo } from './step-recorder.ts';
import { CowWatch } from './cow-watch.ts';
import type { AddressSpace } from '../mm/address-space.ts';

export interface MachineOptions {
  /** Seeds every process's layout randomization (mmap base, stack top) and its canary. Default 0: fixed bases, different per process. */
  seed?: number | bigint;
  /**
   * What executes the processes' instructions: 'picemu' (default, picemu's CPU) or 'unicorn' (unicorn-engine
   * built to WebAssembly in wasm/: frames live in its heap; make the Machine with `Machine.create`, which loads it).
   */
  engine?: EngineName;
  /** The CPU profile of every process: a name (`x86-64-v2`, `x86-64-v3`, `host`) or a profile. Default x86-64-v3 (features.ts says why). */
  cpu?: ProfileName | CpuProfile;
  /** Host directories exec'ed programs may write (everything else they write goes to an in-memory overlay). */
  rw?: readonly string[];
  /** picemu's compiler (CpuOptions.jit): 'auto' (default), 'always' (everything compiled from its first execution; tests), 'off'. */
  jit?: 'auto' | 'always' | 'off';
}

export class Machine {
  readonly physical: PhysicalMemory;
  readonly pageCache: PageCache;
  readonly processes: Process[] = [];
  readonly seed: bigint;
  readonly engine: EngineName;
  /** Makes each process's engine. */
  readonly engineFactory: EngineFactory;
  /** The kernel every process's system calls go to (ids, files, the exec'ed programs). */
  readonly kernel: Kernel;
  /** What every process's CPU is (cpuid, the instructions that exist). */
  readonly cpu: CpuProfile;

  constructor(options: MachineOptions = {}) {
    this.seed = BigInt(options.seed ?? 0);
    this.engine = options.engine ?? 'picemu';
    // The default engine never loads the unicorn module; with it, every frame is a page of its heap.
    this.physical = this.engine === 'unicorn' ? new PhysicalMemory(new UnicornFramePool(unicornModule())) : new PhysicalMemory();
    const engineOf = this.engine === 'unicorn' ? unicornEngine : picemuEngine;
    const jit = options.jit;
    this.engineFactory = jit ? (context) => engineOf({ ...context, jit }) : engineOf;
    this.pageCache = new PageCache(this.physical);
    // unicorn executes no AVX: its default is x86-64-v2, and a profile it cannot run is refused here.
    this.cpu = this.engine === 'unicorn' ? unicornProfile(unicornModule(), options.cpu) : cpuProfile(options.cpu);
    // Exec'ed programs (and their forks and threads) run on the machine's engine too, over a CowWatch, so their
    // steps can be traced as a Process's are.
    const engineFactory = this.engineFactory;
    const cpuFactory = {
      create: (space: AddressSpace, profile: CpuProfile) => engineFactory({ memory: new CowWatch(space), space, profile }),
      release: (cpu: Cpu) => (cpu as ProcessEngine).dispose(),
    };
    this.kernel = new Kernel({ physical: this.physical, pageCache: this.pageCache, seed: options.seed === undefined ? undefined : this.seed, profile: this.cpu, files: { rw: options.rw }, cpuFactory });
  }

  /** A machine whose tracing is ready (capstone's wasm loaded), and its engine (the unicorn module, when chosen). */
  static async create(options: MachineOptions = {}): Promise<Machine> {
    await ensureDisassembler();
    if (options.engine === 'unicorn') await loadUnicornModule();
    return new Machine(options);
  }

  /** A new process with an empty address space (plus stack, thread area, runtime page). */
  spawn(): Process {
    const pid = this.kernel.allocateId();
    const p = new Process(this, pid, this.layoutSeed(pid));
    this.processes.push(p);
    return p;
  }

  /** Registers a process made elsewhere (Process.fork, whose pid the kernel's clone gave). */
  adopt(p: Process): Process {
    this.processes.push(p);
    return p;
  }

  /**
   * Loads a library (and its DT_NEEDED dependencies) into a process, running IRELATIVE resolvers and initializers,
   * each under a budget of 20 million instructions and a 500 ms deadline unless `options` say otherwise
   * (LoadOptions); an initializer that hits either ends the load with an InitializerError.
   */
  load(process: Process, path: string, options: LoadOptions = {}): LoadResult {
    return loadLibrary(process, path, options);
  }

  /**
   * Runs a program in a new emulated process, as execve does (the real ld.so and libc run on picemu's CPU):
   * the started process, or -errno as execve gave it. Drive it with `machine.kernel.run()`.
   */
  exec(path: string, options: SpawnOptions): Spawned | number {
    return spawnProgram(this.kernel, path, options);
  }

  /** Process by pid. */
  process(pid: number): Process | undefined {
    return this.processes.find((p) => p.pid === pid);
  }

  /** Per-process seed: the same machine seed always gives the same layouts, different for each pid. */
  layoutSeed(pid: number): bigint {
    return splitmix64(this.seed * 0x10001n + BigInt(pid))();
  }

  /** Random 64-bit words for a process (canary, pointer guard), fixed for the machine's seed. */
  randomWords(pid: number, count: number): bigint[] {
    const next = splitmix64(this.layoutSeed(pid) ^ 0x5eed5eedn);
    return Array.from({ length: count }, () => next());
  }

  /** The frame process `p` maps at `module`+`offset` (null when not present or not loaded). */
  frameAt(p: Process | number, module: string, offset: number): number | null {
    const proc = typeof p === 'number' ? this.process(p) : p;
    const base = proc?.baseOf(module);
    if (!proc || base === undefined) return null;
    return proc.space.frameAt(base + offset)?.frame ?? null;
  }

  /** Every page of every loaded module's span, with the frame each process maps there. */
  pageTable(): PageRow[] {
    return pageTable(
      this.processes.map((p) => ({
        modules: () => p.modules,
        presentFrame: (va: number) => p.space.frameAt(va)?.frame ?? null,
        permsAt: (va: number) => vmaInfo(p.space, va)?.perms ?? null,
      })),
    );
  }

  [inspect.custom](): string {
    return `Machine { seed: ${this.seed}, processes: ${this.processes.length}, frames: ${this.physical.liveCount} }\n` + this.processes.map((p) => '  ' + inspect(p)).join('\n');
  }
}
