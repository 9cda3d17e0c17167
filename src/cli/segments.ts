// `picemu segments LIB`: the program header table exactly as `readelf -lW LIB` prints its Program Headers block.
import { formatProgramHeaders, parseProgramHeaderTable } from '../index.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';
import { readElfInput } from './input-file.ts';
import { parseOptions } from './options.ts';

/** The text `picemu segments` prints for these bytes (throws ElfError for a file it cannot read). */
export function segmentsText(bytes: Uint8Array, name: string): string {
  const { programHeaders, interp } = parseProgramHeaderTable(bytes, name);
  return formatProgramHeaders(programHeaders, interp);
}

export const command: Command = {
  summary: 'print the program headers of an ELF file as `readelf -lW` does',
  usage: 'FILE',
  description: ['Prints the Program Headers block of `readelf -lW FILE`: the header line, the column header, every header and the [Requesting program interpreter: …] line.'],
  async run(args) {
    const { positional } = parseOptions(args, []);
    if (positional.length !== 1) throw new UsageError(positional.length ? `one FILE only (got ${positional.length})` : 'segments needs a FILE');
    const path = positional[0]!;
    process.stdout.write(segmentsText(readElfInput(path), path));
    return 0;
  },
};
