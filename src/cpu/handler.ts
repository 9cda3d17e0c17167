// What an ops file defines: the handler signature and the HandlerDef entries it exports (see table.ts for how to add one).
import { Code } from 'iced-x86';
import type { Cpu } from './cpu.ts';
import type { Insn } from './decode.ts';
import type { Feature } from './features.ts';
import type { CompileRule } from './compile/rule.ts';

/** Executes one instruction. */
export type Exec = (c: Cpu) => void;
/** Turns a decoded instruction into its Exec (once per decode). */
export type Builder = (insn: Insn, cpu: Cpu) => Exec;

export interface HandlerDef {
  /** iced Code names. */
  codes: string[];
  build: Builder;
  /** CPUID feature the instruction needs (absent: always available). */
  feature?: Feature;
  /** How the region compiler compiles these Codes (absent: the interpreter runs them, ending a region there). */
  compile?: CompileRule;
}

const CODE = Code as unknown as Record<string, Code>;
const NAMES = Object.keys(CODE).filter((k) => Number.isNaN(Number(k)));

/** All iced Code names matching `re` (helper for defining handler families). */
export function codesMatching(re: RegExp): string[] {
  return NAMES.filter((k) => re.test(k));
}
