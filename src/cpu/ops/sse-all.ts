// The SSE family's handler list, gathered from its files, so the instruction table imports it once.
import type { HandlerDef } from '../handler.ts';
import * as move from './sse-move.ts';

export const handlers: HandlerDef[] = [...move.handlers];
