// The CommonJS entry: under `node --import tsx`, require() of picemu/unicorn (and of the file itself) returns
// the MUnicorn factory, as require('unicorn.js') does, and the factory resolves to a working module object.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/oracles.ts';

const program = (specifier: string) => `
const MUnicorn = require(${JSON.stringify(specifier)});
MUnicorn().then((uc) => {
  const e = new uc.Unicorn(uc.ARCH_X86, uc.MODE_32);
  e.mem_map(0x1000000, 0x1000, uc.PROT_ALL);
  e.mem_write(0x1000000, [0x41, 0x4a]);
  e.reg_write_i32(uc.X86_REG_ECX, 0x1234);
  e.reg_write_i32(uc.X86_REG_EDX, 0x7890);
  e.emu_start(0x1000000, 0x1000002, 0, 0);
  console.log(JSON.stringify({ type: typeof MUnicorn, name: MUnicorn.name, ecx: e.reg_read_i32(uc.X86_REG_ECX), edx: e.reg_read_i32(uc.X86_REG_EDX) }));
});
`;

function runCjs(specifier: string): unknown {
  const out = execFileSync(process.execPath, ['--import', 'tsx', '-e', program(specifier)], { cwd: repoRoot, encoding: 'utf8' });
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('require() of picemu/unicorn', () => {
  it.each(['picemu/unicorn', './src/unicorn/index.cjs'])('require(%s) returns the MUnicorn factory', (specifier) => {
    // The tutorial's documented result: ECX = 0x1235, EDX = 0x788f.
    expect(runCjs(specifier)).toEqual({ type: 'function', name: 'MUnicorn', ecx: 0x1235, edx: 0x788f });
  });
});
