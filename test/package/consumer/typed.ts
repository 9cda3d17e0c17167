// A typed consumer (strict, NodeNext, skipLibCheck false): picemu's declarations must compile as shipped.
import { Machine, traceText, type CallOutcome, type StepEvent } from 'picemu';
import MUnicorn, { type UnicornModule } from 'picemu/unicorn';

const m = await Machine.create({ seed: 1 });
const p = m.spawn();
p.load('node_modules/picemu/fixtures/libcounter.so');
const outcome: CallOutcome = p.call('really_really_nonreentrant', [], { trace: true });
const events: StepEvent[] = outcome.events;
const uc: UnicornModule = await MUnicorn();
export const summary: string = `${traceText(events)} ${uc.MODE_64}`;
