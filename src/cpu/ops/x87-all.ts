// The x87 family's handler list, gathered from its files, so the instruction table imports it once.
import type { HandlerDef } from '../handler.ts';
import * as arith from './x87-arith.ts';
import * as compare from './x87-compare.ts';
import * as control from './x87-control.ts';
import * as loadStore from './x87-load-store.ts';
import * as transcendental from './x87-transcendental.ts';

export const handlers: HandlerDef[] = [...loadStore.handlers, ...arith.handlers, ...compare.handlers, ...control.handlers, ...transcendental.handlers];
