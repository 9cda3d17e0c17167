// Tiny shared objects built with cc in test setup, for the cases system libraries may not show: a SysV-hash-only
// library, both hash styles, RELR (pack-relative-relocs), symbol versions with a hidden old version, TLS.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const source = `
#include <stddef.h>
int counter = 1;
static int table_a, table_b, table_c;
int *pointers[80] = { &table_a, &table_b, &table_c, &counter, &table_a, 0, &table_b, &table_c,
  [20] = &counter, [21] = &table_a, [70] = &table_b };
const char *message = "hello";
__thread int tls_value = 7;
extern int puts(const char *);
int add(int a, int b) { return a + b; }
int twice(int a) { return add(a, a); }
int say(void) { return puts(message); }
int *get_tls(void) { return &tls_value; }
int old_foo(void) { return 1; }
int new_foo(void) { return 2; }
__asm__(".symver old_foo,foo@V1");
__asm__(".symver new_foo,foo@@V2");
`;

const versionScript = `V1 { global: foo; add; twice; say; counter; pointers; message; tls_value; get_tls; local: *; };
V2 { global: foo; } V1;
`;

export interface BuiltLib {
  name: string;
  path: string;
}

/** Builds the libraries (needs cc); returns them, or [] when a flag is not supported by this toolchain. */
export function buildTestLibs(): BuiltLib[] {
  const dir = mkdtempSync(join(tmpdir(), 'picemu-elf-'));
  const c = join(dir, 'lib.c');
  const map = join(dir, 'lib.map');
  writeFileSync(c, source);
  writeFileSync(map, versionScript);
  const variants: [string, string[]][] = [
    ['libsysv.so', ['-Wl,--hash-style=sysv']],
    ['libgnu.so', ['-Wl,--hash-style=gnu']],
    ['libboth.so', ['-Wl,--hash-style=both', '-Wl,-z,now']],
    ['librelr.so', ['-Wl,-z,pack-relative-relocs', '-Wl,--hash-style=both']],
    ['libstripped.so', ['-s', '-Wl,--hash-style=gnu']],
  ];
  const out: BuiltLib[] = [];
  for (const [name, flags] of variants) {
    const path = join(dir, name);
    try {
      execFileSync('cc', ['-shared', '-fPIC', '-O1', `-Wl,--version-script=${map}`, ...flags, '-o', path, c], { stdio: 'pipe' });
      out.push({ name, path });
    } catch (err) {
      const msg = (err as { stderr?: Buffer }).stderr?.toString() ?? String(err);
      console.warn(`could not build ${name}: ${msg.split('\n')[0]}`);
    }
  }
  return out;
}
