// The step trace of an exec'ed program: each instruction of each task (thread) recorded as a Process's calls are
// (recordStep), symbolized by the ELF files its address space maps (program, ld.so, libraries), through run's filters.
import type { RunOutcome } from '../cpu/index.ts';
import type { Task } from '../kernel/task.ts';
import type { AddressSpace } from '../mm/address-space.ts';
import type { CachedFile } from '../mm/page-cache.ts';
import { PAGE_SIZE } from '../mm/types.ts';
import type { StepEvent } from '../trace/events.ts';
import { TraceFilterSink, type TraceFilter } from '../trace/filter.ts';
import { elfOfFile } from '../trace/mapped-elf.ts';
import { Symbolizer, type SymbolizableModule } from '../trace/symbolize.ts';
import { CowWatch } from './cow-watch.ts';
import type { ProcessEngine } from './engines/engine.ts';
import { recordStep } from './step-recorder.ts';

const PT_LOAD = 1;

/** One traced instruction and the thread that ran it (the event's pid is its process). */
export interface ExecStep {
  tid: number;
  event: StepEvent;
}


/**
 * The ELF modules an address space maps, in address order: one per file whose first page (offset 0) is mapped,
 * its base where that mapping puts link-time address 0 (as ld.so's l_addr; 0 for an ET_EXEC program).
 */
export function mappedModules(space: AddressSpace): SymbolizableModule[] {
  const modules: SymbolizableModule[] = [];
  const seen = new Set<CachedFile>();
  for (const vma of space.mappings()) {
    const inode = vma.file?.inode;
    if (!inode || inode.anonymous || vma.pgoff !== 0 || seen.has(inode)) continue;
    const elf = elfOfFile(inode);
    if (!elf) continue;
    const loads = elf.programHeaders.filter((ph) => ph.type === PT_LOAD);
    const first = loads.find((ph) => ph.offset < PAGE_SIZE);
    if (!first) continue;
    seen.add(inode);
    const base = vma.start - (first.vaddr - (first.vaddr % PAGE_SIZE));
    const end = Math.max(...loads.map((ph) => ph.vaddr + ph.memsz));
    const path = inode.identity.path;
    modules.push({ name: path.slice(path.lastIndexOf('/') + 1), base, span: Math.ceil(end / PAGE_SIZE) * PAGE_SIZE, elf });
  }
  return modules;
}

/** Symbolization for one address space, its module list rebuilt when its mappings change. */
class SpaceSymbols {
  private epoch = -1;
  private vmaCount = -1;
  private modules: SymbolizableModule[] = [];
  readonly symbolizer = new Symbolizer(() => this.current());

  constructor(private readonly space: AddressSpace) {}

  private current(): SymbolizableModule[] {
    // The epoch moves with every mapping change (and with COW breaks, so the cheap VMA count is checked first).
    if (this.space.epoch !== this.epoch) {
      this.epoch = this.space.epoch;
      const count = this.space.mappings().length;
      if (count !== this.vmaCount || this.modules.length === 0) {
        this.vmaCount = count;
        this.modules = mappedModules(this.space);
      } else {
        const again = mappedModules(this.space);
        if (again.length !== this.modules.length || again.some((m, k) => m.base !== this.modules[k]!.base || m.elf !== this.modules[k]!.elf)) this.modules = again;
      }
    }
    return this.modules;
  }
}

/**
 * Records the steps of every task a kernel runs: give `stepper` to Kernel.run (RunLimits.stepper) while `active`.
 * Kept steps go to `deliver` as they run (with a `last` filter: at finish()).
 */
export class ExecTracer {
  private readonly sink: TraceFilterSink | undefined;
  private readonly symbols = new WeakMap<AddressSpace, SpaceSymbols>();
  private readonly steps = new WeakMap<Task, number>();
  private readonly tids = new WeakMap<StepEvent, number>();
  private current: Task | undefined;
  private kept = 0;
  private readonly deliverKept: (step: ExecStep) => void;

  constructor(
    private readonly filter: TraceFilter | undefined,
    deliver: (step: ExecStep) => void,
  ) {
    // Kept steps are counted as they are delivered (with `first`, the sink delivers each at once).
    const kept = (step: ExecStep): void => {
      this.kept++;
      deliver(step);
    };
    this.deliverKept = kept;
    this.sink = filter ? new TraceFilterSink(filter, (va) => this.symbolsOf(this.current!).moduleAt(va)?.name, (event) => kept({ tid: this.tids.get(event)!, event })) : undefined;
  }

  /** False once a `first` filter has what it wants (the rest of the run goes untraced, at full speed). */
  get active(): boolean {
    return this.filter?.first === undefined || this.kept < this.filter.first;
  }

  /** The symbolizer of a task's address space (module, symbol, section of an address). */
  symbolsOf(task: Task): Symbolizer {
    let s = this.symbols.get(task.space);
    if (!s) this.symbols.set(task.space, (s = new SpaceSymbols(task.space)));
    return s.symbolizer;
  }

  /** Executes one instruction of `task`, recording it unless the filter refuses it. */
  readonly stepper = (task: Task): RunOutcome => {
    this.current = task;
    const engine = task.cpu as ProcessEngine;
    if (!(engine.memory instanceof CowWatch) || typeof engine.stepTraced !== 'function') throw new Error(`task ${task.tid}: its CPU cannot be traced (not an engine over a CowWatch)`);
    if (this.sink && !this.sink.wantsStep(engine.rip)) return engine.step();
    const index = this.steps.get(task) ?? 0;
    this.steps.set(task, index + 1);
    const { event, outcome } = recordStep({ engine, space: task.space, cow: engine.memory, symbolizer: this.symbolsOf(task), pid: task.pid, call: 0, index });
    if (this.sink) {
      this.tids.set(event, task.tid);
      this.sink.offer(event);
    } else this.deliverKept({ tid: task.tid, event });
    return outcome;
  };

  /** Delivers what a `last` filter kept (call once, when the run is over). */
  finish(): void {
    this.sink?.kept();
  }
}
