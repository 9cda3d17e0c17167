// The package as a user gets it: `npm pack`, install the tarball into a new project, then plain node ESM, CommonJS
// require('picemu/unicorn'), the bin, a vitest file using picemuMatchers/traceSerializer, and tsc on a strict
// NodeNext consumer with skipLibCheck false. The consumer's files are test/package/consumer/.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/oracles.ts';
import { spawnAsync } from '../cli/spawn-async.ts';

const version = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')).version as string;
const work = mkdtempSync(join(tmpdir(), 'picemu-consumer-'));
const project = join(work, 'project');

// The environment of a user's shell, not of this vitest worker (a nested vitest must not see our VITEST_* vars).
const env = {
  ...Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('VITEST') && !['NODE_OPTIONS', 'TEST', 'FORCE_COLOR'].includes(k))),
  NO_COLOR: '1',
};
// Run without blocking the vitest worker (a blocked worker misses vitest's RPC: "Timeout calling onTaskUpdate").
const inProject = (cmd: string, args: string[]) => spawnAsync(cmd, args, { cwd: project, env, timeout: 120_000 });
async function npm(args: string[], cwd: string): Promise<string> {
  const r = await spawnAsync('npm', args, { cwd, env, timeout: 120_000 });
  if (r.status !== 0) throw new Error(`npm ${args.join(' ')} failed (${r.status ?? r.signal}):\n${r.stderr}`);
  return r.stdout;
}
let tarball = '';

// An output whose source is gone (as a renamed file leaves behind: tsc's incremental build never deletes it).
const stale = join(repoRoot, 'dist', 'removed-by-prepack.js');

beforeAll(async () => {
  writeFileSync(stale, '// no source\n');
  // prepack prunes outputs whose source is gone; prepare builds dist/ (incremental: the globalSetup already did).
  const packed = JSON.parse(await npm(['pack', '--json', '--pack-destination', work], repoRoot)) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, packed[0]!.filename);
  mkdirSync(project);
  cpSync(join(repoRoot, 'test/package/consumer'), project, { recursive: true });
  writeFileSync(join(project, 'package.json'), JSON.stringify({ name: 'consumer', private: true, type: 'module' }));
  writeFileSync(
    join(project, 'tsconfig.json'),
    JSON.stringify({ compilerOptions: { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', strict: true, skipLibCheck: false, noEmit: true, types: ['node'] }, include: ['*.ts', '*.cts'] }),
  );
  writeFileSync(join(project, 'vitest.config.mjs'), 'export default {};\n');
  // picemu's own dependencies come from npm's cache (filled by `npm ci`); the registry only if the cache lacks them.
  await npm(['install', '--prefer-offline', '--no-audit', '--no-fund', tarball], project);
  // The consumer's dev tools are the repository's own (installing vitest and typescript again would take a minute).
  mkdirSync(join(project, 'node_modules/@types'), { recursive: true });
  for (const dep of ['typescript', 'vitest', '@types/node']) symlinkSync(join(repoRoot, 'node_modules', dep), join(project, 'node_modules', dep));
}, 180_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('the packed tarball, installed as a dependency', () => {
  it('ships dist, the demo fixture, README and LICENSE, and no sources, tests or scripts', async () => {
    const files = execFileSync('tar', ['tzf', tarball], { encoding: 'utf8' }).split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
    expect(files).toEqual(expect.arrayContaining(['dist/index.js', 'dist/index.d.ts', 'dist/index.js.map', 'dist/cli.js', 'dist/unicorn/require.cjs', 'bin/picemu.mjs', 'fixtures/libcounter.so', 'README.md', 'LICENSE', 'package.json']));
    expect(files.filter((f) => /^(src|test|bench|scripts|examples|\.ci)\//.test(f) || f.endsWith('.tsbuildinfo'))).toEqual([]);
    // Every compiled file has its source: nothing stale from an earlier build.
    expect(existsSync(stale)).toBe(false);
    const sourceOf = (f: string) => join(repoRoot, 'src', f.slice('dist/'.length).replace(/\.d\.(c?)ts(\.map)?$|\.(c?)js(\.map)?$/, (_m, a = '', _b, c = '') => `.${a || c}ts`));
    expect(files.filter((f) => f.startsWith('dist/') && !existsSync(sourceOf(f)))).toEqual([]);
  });

  it("every file the README's examples name under node_modules/picemu/ is in the installed package", async () => {
    const named = [...new Set([...readFileSync(join(repoRoot, 'README.md'), 'utf8').matchAll(/node_modules\/picemu\/([\w./-]+\w)/g)].map((m) => m[1]!))];
    expect(named).toEqual(expect.arrayContaining(['fixtures/libcounter.so', 'fixtures/libcowdata.so', 'fixtures/libdemo.so']));
    expect(named.filter((f) => !existsSync(join(project, 'node_modules/picemu', f)))).toEqual([]);
  });

  it('plain node imports the ESM API and runs the shipped fixture', async () => {
    const r = await inProject(process.execPath, ['esm.mjs']);
    expect(r.stderr).toBe('');
    // The C semantics of `static int i; return i++;`: each process counts on its own.
    expect(JSON.parse(r.stdout)).toEqual({ results: ['0', '0', '1', '2'], codeShared: true, unicorn: ['MUnicorn', 8] });
  });

  it("require('picemu/unicorn') returns the MUnicorn factory, which works", async () => {
    const r = await inProject(process.execPath, ['require.cjs']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ type: 'function', name: 'MUnicorn', ecx: 0x1235, edx: 0x788f, machine: 'function' });
  });

  it('the bin runs compiled JavaScript: --version and the demo', async () => {
    const bin = join(project, 'node_modules/.bin/picemu');
    expect(readFileSync(join(project, 'node_modules/picemu/bin/picemu.mjs'), 'utf8')).not.toMatch(/tsx/);
    const v = await inProject(bin, ['--version']);
    expect([v.status, v.stdout, v.stderr]).toEqual([0, `${version}\n`, '']);
    const demo = await inProject(bin, ['demo']);
    expect(demo.status).toBe(0);
    expect(demo.stdout).toContain('call 3:  p1 → 2    p2 → 2');
    // The shipped wasm/ build of unicorn-engine loads (its sha256 checked) and tells the same story.
    const unicorn = await inProject(bin, ['demo', '--engine', 'unicorn']);
    expect([unicorn.status, unicorn.stderr]).toEqual([0, '']);
    expect(unicorn.stdout).toBe(demo.stdout);
  });

  it('a vitest file uses picemuMatchers and traceSerializer', async () => {
    const r = await inProject(process.execPath, [join(project, 'node_modules/vitest/vitest.mjs'), 'run', '--root', project]);
    expect(r.stdout + r.stderr).toMatch(/Tests\s+1 passed/);
    expect(r.status).toBe(0);
  });

  it('tsc --noEmit passes on a strict NodeNext consumer with skipLibCheck false', async () => {
    const r = await inProject(process.execPath, [join(project, 'node_modules/typescript/bin/tsc'), '-p', '.']);
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
