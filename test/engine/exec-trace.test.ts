// Traces of an exec'ed program on the unicorn engine: a step whose data access first needed unicorn to map a page
// is run again, and its accesses must be reported once; a step after which the next instruction's page needed
// mapping keeps its own. Oracle: the x86 semantics of call and push (one 8-byte store of the pushed value at the
// new rsp), checked on every such step of ld.so's and libc's start-up.
import { describe, expect, it } from 'vitest';
import { Machine } from '../../src/index.ts';
import { ExecTracer, type ExecStep } from '../../src/process/exec-trace.ts';
import type { Task } from '../../src/kernel/task.ts';

describe('exec --trace on the unicorn engine', () => {
  it('every call and push of /bin/true reports exactly one 8-byte write, at the new rsp', async () => {
    const m = await Machine.create({ engine: 'unicorn' });
    const s = m.exec('/bin/true', { argv: ['true'], env: [], stdio: {} });
    if (typeof s === 'number') throw new Error(`exec: ${s}`);
    const steps: ExecStep[] = [];
    const tracer = new ExecTracer(undefined, (step) => void steps.push(step));
    m.kernel.run({ until: () => s.task.group.exit !== undefined, stepper: (task: Task) => tracer.stepper(task) });
    tracer.finish();
    expect(s.task.group.exit).toEqual({ kind: 'exited', code: 0 });
    const pushes = steps.map((x) => x.event).filter((e) => /^(call|push) /.test(e.asm) && !/^push\w* [a-z]*word ptr/.test(e.asm));
    expect(pushes.length).toBeGreaterThan(500);
    for (const e of pushes) {
      const writes = e.accesses.filter((a) => a.kind === 'write');
      const rsp = e.registers.find((r) => r.name === 'rsp');
      expect({ asm: e.asm, writes: writes.map((w) => [w.va, w.size]) }).toEqual({ asm: e.asm, writes: [[Number(rsp!.after), 8]] });
    }
  }, 120_000);
});
