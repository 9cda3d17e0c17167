// The marks a StepLog keeps of which mappings label which steps (mapping-moment.ts): they follow their steps
// through a `last N` ring (dropFirst) and a streamed run's per-step clear.
import { describe, expect, it } from 'vitest';
import { StepLog } from '../../src/trace/step-log.ts';
import type { StepLocator } from '../../src/trace/step-view.ts';

const locator = (name: string): StepLocator => ({ locate: () => ({ module: name }), locateInModule: () => ({ module: name }) });
const ref = { addr: 0x1000, bytes: Uint8Array.of(0x90) };

function step(log: StepLog): void {
  log.open(0x1000, log.instructionId(ref), log.length);
  log.close(0);
}

describe('StepLog marks', () => {
  it('label each step with the locator marked at or before it, through dropFirst and clear', () => {
    const [a, b, c] = ['a', 'b', 'c'].map(locator);
    const log = new StepLog(1, 0, 4);
    log.markLocator(a!);
    step(log); step(log); // 0, 1: a
    log.markLocator(b!);
    log.markLocator(b!); // the same again: no new mark
    step(log); step(log); step(log); // 2-4: b
    log.markLocator(a!);
    log.markLocator(c!); // two marks before one step: the last counts
    step(log); // 5: c
    const names = (): (string | undefined)[] => Array.from({ length: log.length }, (_, i) => log.locatorAt(i)?.locate(0).module);
    expect(names()).toEqual(['a', 'a', 'b', 'b', 'b', 'c']);
    log.dropFirst(3); // the ring keeps steps 3-5
    expect(names()).toEqual(['b', 'b', 'c']);
    log.dropFirst(2);
    expect(names()).toEqual(['c']);
    log.clear();
    step(log);
    expect(names()).toEqual(['c']); // the current mark labels the steps after a clear
  });
});
