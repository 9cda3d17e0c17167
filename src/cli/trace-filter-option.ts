// The --trace-* filter options that `run` and `exec` share: their specs (help worded for what each command traces)
// and their parsing into a TraceFilter.
import type { TraceFilter } from '../trace/filter.ts';
import { parseInteger } from '../util/numbers.ts';
import { UsageError } from './errors.ts';
import { hasFlag, integerOption, type OptionSpec, type ParsedOptions } from './options.ts';

/** The option specs; `scope` says whose steps first/last count ('each call', 'the program'), `example` a module name. */
export function traceFilterOptions(scope: string, example: string): OptionSpec[] {
  return [
    { name: '--trace-module', value: 'NAME', repeatable: true, help: `trace only instructions in module NAME (a file name, e.g. ${example}; repeatable)` },
    { name: '--trace-range', value: 'START-END', repeatable: true, help: 'trace only instructions at mapped addresses START (inclusive) to END (exclusive), 0x hex or decimal (repeatable)' },
    { name: '--trace-memory', help: 'trace only instructions that access memory' },
    { name: '--trace-rip-relative', help: 'trace only instructions with a RIP-relative memory access' },
    { name: '--trace-first', value: 'N', help: `keep the first N traced steps of ${scope} (then run untraced, at full speed)` },
    { name: '--trace-last', value: 'N', help: `keep only the last N traced steps of ${scope}` },
  ];
}

/** The --trace-* options as a TraceFilter (undefined when none is given). */
export function traceFilterOption(p: ParsedOptions): TraceFilter | undefined {
  const filter: TraceFilter = {};
  const modules = p.values.get('--trace-module');
  if (modules) filter.modules = modules;
  const ranges = p.values.get('--trace-range');
  if (ranges) {
    filter.ranges = ranges.map((text) => {
      const m = /^([^-]+)-([^-]+)$/.exec(text);
      const [start, end] = m ? [parseInteger(m[1]!), parseInteger(m[2]!)] : [undefined, undefined];
      if (start === undefined || end === undefined || start < 0n || end < start || end > BigInt(Number.MAX_SAFE_INTEGER)) throw new UsageError(`--trace-range: bad range '${text}' (want START-END, START <= END)`);
      return [Number(start), Number(end)] as const;
    });
  }
  if (hasFlag(p, '--trace-memory')) filter.memoryOnly = true;
  if (hasFlag(p, '--trace-rip-relative')) filter.ripRelativeOnly = true;
  if (p.values.has('--trace-first')) filter.first = integerOption(p, '--trace-first', 0, Number.MAX_SAFE_INTEGER, 0);
  if (p.values.has('--trace-last')) filter.last = integerOption(p, '--trace-last', 0, Number.MAX_SAFE_INTEGER, 0);
  if (filter.first !== undefined && filter.last !== undefined) throw new UsageError('--trace-first and --trace-last exclude each other');
  if (Object.keys(filter).length === 0) return undefined;
  if (!hasFlag(p, '--trace')) throw new UsageError('the --trace-* filters need --trace');
  return filter;
}
