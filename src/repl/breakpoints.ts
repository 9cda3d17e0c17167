// The REPL's breakpoints: numbered as gdb numbers them, each kept as typed (a symbol resolves in each process,
// whose bases differ), temporary or not, with a condition and a hit count. Which of them apply where is asked
// through `resolve`, so this file knows nothing of processes.
import { parseInteger } from '../util/numbers.ts';
import { ReplError } from './errors.ts';

export interface Breakpoint {
  id: number;
  /** As typed: a symbol or an address. */
  spec: string;
  /** tbreak: deleted when hit. */
  temporary: boolean;
  /** Stop only when this expression is non-zero (condition, `b X if EXPR`). */
  condition?: string;
  hits: number;
}

/** A breakpoint's address in the current process; throws when its symbol is not there. */
export type Resolve = (spec: string) => number;

export class BreakpointList {
  private readonly list: Breakpoint[] = [];
  private next = 1;

  get all(): readonly Breakpoint[] {
    return this.list;
  }

  add(spec: string, temporary: boolean, condition?: string): Breakpoint {
    const b: Breakpoint = { id: this.next++, spec, temporary, hits: 0, ...(condition ? { condition } : {}) };
    this.list.push(b);
    return b;
  }

  /** The breakpoint numbered `text`, or a ReplError naming the ones there are. */
  byId(text: string): Breakpoint {
    const id = parseInteger(text);
    const b = this.list.find((x) => BigInt(x.id) === id);
    if (!b) throw new ReplError(`no breakpoint '${text}'${this.list.length ? ` (breakpoints: ${this.list.map((x) => x.id).join(', ')})` : ''}`);
    return b;
  }

  remove(doomed: readonly Breakpoint[]): void {
    for (const b of doomed) {
      const k = this.list.indexOf(b);
      if (k >= 0) this.list.splice(k, 1);
    }
  }

  /** Deletes every breakpoint; how many there were. */
  clear(): number {
    const n = this.list.length;
    this.list.length = 0;
    return n;
  }

  /** The breakpoints at `va` (those whose symbol this process lacks do not apply). */
  at(va: number, resolve: Resolve): Breakpoint[] {
    return this.list.filter((b) => addressOf(b, resolve) === va);
  }

  /** Every address a breakpoint stands at in this process. */
  addresses(resolve: Resolve): Set<number> {
    const set = new Set<number>();
    for (const b of this.list) {
      const va = addressOf(b, resolve);
      if (va !== undefined) set.add(va);
    }
    return set;
  }
}

export function addressOf(b: Breakpoint, resolve: Resolve): number | undefined {
  try {
    return resolve(b.spec);
  } catch {
    return undefined;
  }
}
