// Which steps a trace keeps (issue 11), as Qiling and gdb users expect to choose them: only some modules or address
// ranges, only steps that access memory or access it RIP-relative, the first N or the last N (a ring).
import type { StepEvent } from './events.ts';

export interface TraceFilter {
  /** Only instructions inside these modules (file names, as StepEvent.module shows them). */
  modules?: readonly string[];
  /** Only instructions whose rip lies in one of these [start, end) ranges of mapped addresses. */
  ranges?: readonly (readonly [number, number])[];
  /** Only steps with at least one data access. */
  memoryOnly?: boolean;
  /** Only steps with at least one RIP-relative data access. */
  ripRelativeOnly?: boolean;
  /** Keep the first N steps that pass the other filters; the run goes on untraced after them. */
  first?: number;
  /** Keep only the last N steps that pass the other filters (a ring: older ones are dropped as it runs). */
  last?: number;
}

export class TraceFilterError extends Error {
  override name = 'TraceFilterError';
}

/** Throws a TraceFilterError for a filter that cannot be meant (negative or fractional counts, first with last, a reversed range). */
export function checkTraceFilter(filter: TraceFilter): void {
  for (const key of ['first', 'last'] as const) {
    const n = filter[key];
    if (n !== undefined && !(Number.isSafeInteger(n) && n >= 0)) throw new TraceFilterError(`trace filter: ${key} must be a non-negative integer, not ${n}`);
  }
  if (filter.first !== undefined && filter.last !== undefined) throw new TraceFilterError('trace filter: first and last exclude each other');
  for (const r of filter.ranges ?? []) if (!(r[0] <= r[1])) throw new TraceFilterError(`trace filter: range [0x${r[0].toString(16)}, 0x${r[1].toString(16)}) ends before it starts`);
}

/**
 * Applies a TraceFilter while a run records: `wantsStep` is asked before an instruction is recorded (an
 * instruction it refuses runs untraced, at no recording cost), `offer` after; `kept` gives what was kept, in order.
 */
export class TraceFilterSink {
  private readonly ring: StepEvent[] = [];
  private start = 0;
  private count = 0;

  constructor(
    private readonly filter: TraceFilter,
    private readonly moduleOf: (va: number) => string | undefined,
    /** Streams each kept step instead of keeping it (not with `last`, which can only know at the end). */
    private readonly deliver?: (event: StepEvent) => void,
  ) {
    checkTraceFilter(filter);
  }

  wantsStep(rip: number): boolean {
    const f = this.filter;
    if (f.first !== undefined && this.count >= f.first) return false;
    if (f.ranges && !f.ranges.some(([s, e]) => rip >= s && rip < e)) return false;
    if (f.modules) {
      const m = this.moduleOf(rip);
      if (m === undefined || !f.modules.includes(m)) return false;
    }
    return true;
  }

  offer(event: StepEvent): void {
    const f = this.filter;
    if (f.memoryOnly && event.accesses.length === 0) return;
    if (f.ripRelativeOnly && !event.accesses.some((a) => a.ripRelative)) return;
    if (f.last !== undefined) {
      if (f.last === 0) return;
      if (this.ring.length < f.last) this.ring.push(event);
      else {
        this.ring[this.start] = event;
        this.start = (this.start + 1) % f.last;
      }
    } else if (this.deliver) this.deliver(event);
    else this.ring.push(event);
    this.count++;
  }

  /** The kept steps in order (with `last` and a stream, they are streamed now). */
  kept(): StepEvent[] {
    const out = this.ring.slice(this.start).concat(this.ring.slice(0, this.start));
    if (this.deliver) {
      for (const e of out) this.deliver(e);
      return [];
    }
    return out;
  }
}
