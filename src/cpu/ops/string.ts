// placeholder while being written
import type { HandlerDef } from '../handler.ts';
export const handlers: HandlerDef[] = [];
