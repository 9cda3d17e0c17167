// The command table: unique prefixes resolve, ambiguous and unknown words are refused, help lists everything.
import { describe, expect, it } from 'vitest';
import { COMMANDS, helpText, resolveCommand } from '../../src/repl/commands.ts';
import { makeCompleter } from '../../src/repl/complete.ts';

describe('REPL command table', () => {
  it('has the commands SPEC.md and issue 5 require', () => {
    const names = COMMANDS.map((c) => c.name);
    for (const n of ['p', 'call', 'si', 'c', 'b', 'd', 'regs', 'x', 'disas', 'maps', 'smaps', 'pages', 'help', 'q', 'load', 'spawn', 'ps', 'bt', 'finish', 'trace']) {
      expect(names).toContain(n);
    }
  });

  it('resolves every unique prefix of every name and alias to that command', () => {
    const words = (o: (typeof COMMANDS)[number]) => [o.name, ...(o.aliases ?? [])];
    for (const c of COMMANDS) for (const word of words(c)) {
      for (let n = 1; n <= word.length; n++) {
        const prefix = word.slice(0, n);
        const owners = COMMANDS.filter((o) => words(o).some((w) => w.startsWith(prefix)));
        const exact = COMMANDS.find((o) => words(o).includes(prefix));
        const r = resolveCommand(prefix);
        if (exact || owners.length === 1) {
          expect(r.ok && r.command.name, prefix).toBe(exact?.name ?? c.name);
        } else {
          expect(r.ok).toBe(false);
          if (!r.ok) expect(r.message).toMatch(/^ambiguous command/);
        }
      }
    }
  });

  it('gives the expected names for common prefixes', () => {
    const name = (w: string) => { const r = resolveCommand(w); return r.ok ? r.command.name : r.message; };
    expect(name('ca')).toBe('call');
    expect(name('c')).toBe('c');
    expect(name('re')).toBe('regs');
    expect(name('dis')).toBe('disas');
    expect(name('pa')).toBe('pages');
    expect(name('s')).toBe('s');
    expect(name('sm')).toBe('smaps');
    expect(name('sp')).toBe('spawn');
    // gdb's words and abbreviations.
    expect(name('continue')).toBe('c');
    expect(name('stepi')).toBe('si');
    expect(name('nexti')).toBe('ni');
    expect(name('break')).toBe('b');
    expect(name('tb')).toBe('tbreak');
    expect(name('delete')).toBe('d');
    expect(name('i')).toBe('info');
    expect(name('inferior')).toBe('process');
    expect(name('where')).toBe('bt');
    expect(name('disassemble')).toBe('disas');
    expect(name('co')).toMatch(/^ambiguous command 'co': c, condition/);
    expect(name('zz')).toBe("unknown command 'zz' (try help)");
  });

  it('help names every command, and one command on request', () => {
    const text = helpText();
    for (const c of COMMANDS) expect(text).toMatch(new RegExp(`^  ${c.name}\\b`, 'm'));
    expect(helpText('ca')).toMatch(/^call SYMBOL \[ARG\.\.\.\]\n  start a call/);
  });
});

describe('REPL completion', () => {
  const complete = makeCompleter({
    symbols: () => ['really_really_nonreentrant', 'i.0', 'reader'],
    addresses: () => ['0x7f0000001100'],
    modules: () => ['libcounter.so'],
    registers: () => ['rax', 'rsp', 'rip'],
  });

  it('completes command names with a trailing space', () => {
    expect(complete('ca')).toEqual([['call '], 'ca']);
    expect(complete('s')[0]).toEqual(['s ', 'si ', 'smaps ', 'spawn ', 'strace ']);
  });

  it("completes a symbol for commands that take one, and nothing for those that don't", () => {
    expect(complete('call really_r')).toEqual([['really_really_nonreentrant'], 'really_r']);
    expect(complete('b re')).toEqual([['reader', 'really_really_nonreentrant'], 're']);
    expect(complete('x 0x7f')).toEqual([['0x7f0000001100'], '0x7f']);
    expect(complete('pages lib')).toEqual([['libcounter.so'], 'lib']);
    expect(complete('x $r')).toEqual([['$rax', '$rip', '$rsp'], '$r']);
    expect(complete('si re')).toEqual([[], 're']);
    expect(complete('call really_really_nonreentrant re')).toEqual([[], 're']);
  });
});
