// `ps` and `bt`: the processes (current one marked) and a symbolized backtrace.
import type { Frame } from '../index.ts';
import type { Location } from '../trace/events.ts';
import type { ProcessSummary } from './backend.ts';
import { addressText } from './format-location.ts';
import type { Palette } from './palette.ts';

export function formatProcesses(procs: readonly ProcessSummary[], current: number, locate: (pid: number, va: number) => Location, pal: Palette): string {
  return procs
    .map((p) => {
      const mark = p.pid === current ? '*' : ' ';
      const calls = `${p.calls} call${p.calls === 1 ? '' : 's'} done`;
      const state = p.call ? `in ${p.call.symbol}, at ${addressText(p.call.rip, locate(p.pid, p.call.rip), pal)}` : 'idle';
      return `${mark} p${p.pid}  ${calls}, ${state}`;
    })
    .join('\n');
}

/** `#0` is where the process is; `#1`… are the return addresses found on its stack. */
export function formatBacktrace(frames: readonly Frame[], pal: Palette): string {
  return frames.map((f, k) => `#${k}  ${addressText(f.pc, f.location, pal)}`).join('\n');
}
