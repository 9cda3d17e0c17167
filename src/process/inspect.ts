// How picemu's plain records print in a Node or tsx REPL (util.inspect.custom), without changing their
// enumerable fields (JSON and test equality see the same objects).
import { inspect } from 'node:util';
import type { StepEvent } from '../trace/events.ts';
import { stepText } from '../trace/render-text.ts';
import type { CallResult } from './call-args.ts';

/** Gives `target` a non-enumerable inspect.custom that prints `render(target)`. */
export function printable<T extends object>(target: T, render: (t: T) => string): T {
  Object.defineProperty(target, inspect.custom, { value: () => render(target), enumerable: false, configurable: true });
  return target;
}

export function printableEvent(e: StepEvent): StepEvent {
  return printable(e, (ev) => `StepEvent #${ev.index} of call ${ev.call} in p${ev.pid} at 0x${ev.rip.toString(16)}\n${stepText(ev, { registerValues: true })}`);
}

export function resultInspect(r: CallResult): string {
  switch (r.type) {
    case 'void': return 'void';
    case 'cstr': return r.value === null ? 'NULL' : JSON.stringify(r.value);
    case 'ptr': return `0x${r.value.toString(16)}`;
    default: return `${r.value} (${r.type})`;
  }
}
