// The SSE family's handler list, gathered from its files, so the instruction table imports it once.
import type { HandlerDef } from '../handler.ts';
import * as cache from './sse-cache.ts';
import * as compare from './sse-compare.ts';
import * as convert from './sse-convert.ts';
import * as crc32 from './sse-crc32.ts';
import * as float from './sse-float.ts';
import * as int from './sse-int.ts';
import * as logic from './sse-logic.ts';
import * as move from './sse-move.ts';
import * as shuffle from './sse-shuffle.ts';
import * as string from './sse-string.ts';

export const handlers: HandlerDef[] = [...move.handlers, ...logic.handlers, ...float.handlers, ...compare.handlers, ...convert.handlers, ...int.handlers, ...shuffle.handlers, ...cache.handlers, ...crc32.handlers, ...string.handlers];
