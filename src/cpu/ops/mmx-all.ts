// The MMX family's handler list (MMX integer forms and the SSE forms with MMX operands), imported once by the table.
import type { HandlerDef } from '../handler.ts';
import * as convert from './mmx-convert.ts';
import * as mmx from './mmx.ts';

export const handlers: HandlerDef[] = [...mmx.handlers, ...convert.handlers];
