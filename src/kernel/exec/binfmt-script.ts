// binfmt_script: a file starting `#!` runs its interpreter with the interpreter's name, the optional single
// argument after it, and the script's path in front of the original arguments (argv[0] dropped), as the kernel does.
import { ENOEXEC } from '../errno.ts';

/** BINPRM_BUF_SIZE: the kernel looks at this many bytes of the file. */
const BUF_SIZE = 256;

export interface ScriptLine {
  interpreter: string;
  argument?: string;
}

/** The `#!` line of `head` (the file's first bytes); undefined when it is not a script, -ENOEXEC when the line is unusable. */
export function parseShebang(head: Uint8Array): ScriptLine | undefined | number {
  if (head[0] !== 0x23 || head[1] !== 0x21) return undefined;
  const buf = Buffer.from(head.subarray(0, BUF_SIZE)).toString('latin1');
  const nl = buf.indexOf('\n');
  // No newline within the buffer: usable only if the interpreter name ends inside it (the kernel's check).
  let line = nl >= 0 ? buf.slice(2, nl) : buf.slice(2);
  line = line.replace(/\0.*$/s, '');
  const trimmed = line.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
  if (trimmed === '') return -ENOEXEC;
  const end = trimmed.search(/[ \t]/);
  if (nl < 0 && end < 0) return -ENOEXEC;
  const interpreter = end < 0 ? trimmed : trimmed.slice(0, end);
  const rest = end < 0 ? '' : trimmed.slice(end).replace(/^[ \t]+/, '');
  return rest ? { interpreter, argument: rest } : { interpreter };
}
