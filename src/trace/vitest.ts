// vitest helpers for traces: a snapshot serializer (the stable text form) and matchers
// `toAccess` (a trace has a data access with these properties) and `toShareFrame` (two processes map one
// frame at a module offset). Plain functions, so importing them does not load vitest:
//   expect.extend(picemuMatchers); expect.addSnapshotSerializer(traceSerializer);
import type { MemoryAccess, StepEvent } from './events.ts';
import { accessText, traceText } from './render-text.ts';

/** What `toAccess` can ask of an access; every given field must match (symbol also matches `name+0x..` when given as a RegExp). */
export interface AccessPattern {
  kind?: 'read' | 'write';
  symbol?: string | RegExp;
  module?: string;
  offset?: number;
  section?: string;
  size?: number;
  value?: bigint | number;
  ripRelative?: boolean;
  shared?: boolean;
  /** true: the access broke COW; false: it did not. */
  cow?: boolean;
  relocation?: string | RegExp;
}

/** What `toShareFrame` needs of a machine: the frame a process maps at a module offset (null: none). */
export interface FrameView {
  frameAt(process: unknown, module: string, offset: number): number | null;
}

type Traceish = readonly StepEvent[] | { events: readonly StepEvent[] };

function eventsOf(received: unknown): readonly StepEvent[] | undefined {
  if (Array.isArray(received)) return received as StepEvent[];
  if (received && typeof received === 'object' && Array.isArray((received as { events?: unknown }).events)) return (received as { events: StepEvent[] }).events;
  return undefined;
}

function isStepEvent(v: unknown): v is StepEvent {
  return !!v && typeof v === 'object' && 'rip' in v && 'asm' in v && 'accesses' in v && Array.isArray((v as StepEvent).accesses);
}

function textMatches(actual: string | undefined, want: string | RegExp): boolean {
  return actual !== undefined && (typeof want === 'string' ? actual === want : want.test(actual));
}

export function accessMatches(a: MemoryAccess, p: AccessPattern): boolean {
  if (p.kind !== undefined && a.kind !== p.kind) return false;
  if (p.symbol !== undefined && !textMatches(a.symbol, p.symbol)) return false;
  if (p.module !== undefined && a.module !== p.module) return false;
  if (p.offset !== undefined && a.offset !== p.offset) return false;
  if (p.section !== undefined && a.section !== p.section) return false;
  if (p.size !== undefined && a.size !== p.size) return false;
  if (p.value !== undefined && a.value !== BigInt(p.value)) return false;
  if (p.ripRelative !== undefined && a.ripRelative !== p.ripRelative) return false;
  if (p.shared !== undefined && a.shared !== p.shared) return false;
  if (p.cow !== undefined && (a.cow !== null) !== p.cow) return false;
  if (p.relocation !== undefined && !textMatches(a.relocation, p.relocation)) return false;
  return true;
}

/** Every access of the trace that matches the pattern. */
export function findAccesses(trace: Traceish, pattern: AccessPattern): MemoryAccess[] {
  const events = eventsOf(trace) ?? [];
  return events.flatMap((e) => e.accesses.filter((a) => accessMatches(a, pattern)));
}

interface MatcherResult { pass: boolean; message: () => string }

const describePattern = (p: AccessPattern): string =>
  JSON.stringify(p, (_k, v) => (typeof v === 'bigint' ? `0x${v.toString(16)}` : v instanceof RegExp ? String(v) : v));

export const picemuMatchers = {
  toAccess(received: unknown, pattern: AccessPattern): MatcherResult {
    const events = eventsOf(received);
    if (!events) return { pass: false, message: () => 'expected a trace (StepEvent[] or { events })' };
    const found = findAccesses(events, pattern);
    const all = events.flatMap((e) => e.accesses);
    return {
      pass: found.length > 0,
      message: () =>
        found.length > 0
          ? `expected no access matching ${describePattern(pattern)}, found:\n  ${found.map((a) => accessText(a)).join('\n  ')}`
          : `expected an access matching ${describePattern(pattern)}; the trace's ${all.length} accesses:\n  ${all.map((a) => accessText(a)).join('\n  ') || '(none)'}`,
    };
  },

  toShareFrame(received: unknown, p1: unknown, p2: unknown, module: string, offset: number): MatcherResult {
    const machine = received as FrameView;
    if (!machine || typeof machine.frameAt !== 'function') return { pass: false, message: () => 'expected a Machine' };
    const f1 = machine.frameAt(p1, module, offset);
    const f2 = machine.frameAt(p2, module, offset);
    const where = `${module}+0x${offset.toString(16)}`;
    return {
      pass: f1 !== null && f1 === f2,
      message: () => `expected the two processes ${f1 !== null && f1 === f2 ? 'not ' : ''}to map ${where} to one frame: frames ${f1 ?? 'not present'} and ${f2 ?? 'not present'}`,
    };
  },
};

/** Snapshot serializer: a trace (or one event) prints as the stable text form, without frame numbers. */
export const traceSerializer = {
  test(val: unknown): boolean {
    return isStepEvent(val) || (Array.isArray(val) && val.length > 0 && val.every(isStepEvent));
  },
  serialize(val: unknown): string {
    const events = isStepEvent(val) ? [val] : (val as StepEvent[]);
    return traceText(events, { frames: false });
  },
};

/** The matchers as `expect(...)` sees them (picemu/vitest adds them to vitest's `Assertion` type). */
export interface PicemuMatchers<R = unknown> {
  /** The trace has a data access matching every given field. */
  toAccess(pattern: AccessPattern): R;
  /** The machine's two processes map `module`+`offset` to one frame. */
  toShareFrame(p1: unknown, p2: unknown, module: string, offset: number): R;
}
