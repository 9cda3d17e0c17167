// `picemu segments LIB`: the program header table exactly as `readelf -lW LIB` prints its Program Headers block.
import { readFileSync } from 'node:fs';
import { formatProgramHeaders, parseProgramHeaderTable } from '../elf/index.ts';
import type { Command } from './command.ts';
import { UsageError } from './errors.ts';

/** The text `picemu segments` prints for these bytes (throws ElfError for a file it cannot read). */
export function segmentsText(bytes: Uint8Array, name: string): string {
  const { programHeaders, interp } = parseProgramHeaderTable(bytes, name);
  return formatProgramHeaders(programHeaders, interp);
}

export const command: Command = {
  summary: 'print the program headers of LIB as `readelf -lW` does',
  async run(args) {
    if (args.includes('--help') || args.includes('-h')) {
      process.stdout.write('usage: picemu segments LIB\n  Prints the Program Headers block of `readelf -lW LIB`.\n');
      return 0;
    }
    if (args.length !== 1) throw new UsageError('usage: picemu segments LIB');
    const path = args[0]!;
    process.stdout.write(segmentsText(readFileSync(path), path));
    return 0;
  },
};
