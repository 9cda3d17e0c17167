// Colours for the REPL: a few named roles mapped to ANSI codes, or to nothing when colour is off.
// Colour is off for non-terminals and whenever NO_COLOR is set (https://no-color.org), so pipes get plain text.

export interface Palette {
  address(text: string): string;
  symbol(text: string): string;
  module(text: string): string;
  mnemonic(text: string): string;
  changed(text: string): string;
  shared(text: string): string;
  private(text: string): string;
  write(text: string): string;
  error(text: string): string;
  dim(text: string): string;
  heading(text: string): string;
}

const codes: Record<keyof Palette, string> = {
  address: '36', // cyan
  symbol: '33', // yellow
  module: '35', // magenta
  mnemonic: '1', // bold
  changed: '1;31', // bold red, as pwndbg marks changed registers
  shared: '32', // green
  private: '34', // blue
  write: '31',
  error: '1;31',
  dim: '2',
  heading: '1;4',
};

function build(paint: (code: string, text: string) => string): Palette {
  const entries = Object.entries(codes).map(([role, code]) => [role, (text: string) => paint(code, text)]);
  return Object.fromEntries(entries) as Palette;
}

export const plainPalette: Palette = build((_code, text) => text);
export const ansiPalette: Palette = build((code, text) => (text === '' ? '' : `\x1b[${code}m${text}\x1b[0m`));

/** Colour only for a terminal, and never when NO_COLOR is set to anything non-empty. */
export function choosePalette(isTerminal: boolean, env: NodeJS.ProcessEnv = process.env): Palette {
  if (!isTerminal) return plainPalette;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return plainPalette;
  return ansiPalette;
}

/** Length of `text` as shown, ignoring colour codes (for column alignment). */
export function visibleLength(text: string): number {
  return text.replace(/\x1b\[[0-9;]*m/g, '').length;
}

export function padVisible(text: string, width: number): string {
  return text + ' '.repeat(Math.max(0, width - visibleLength(text)));
}
