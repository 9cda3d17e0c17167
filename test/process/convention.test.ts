// The System V AMD64 convention on arguments that spill: 8 integers (two on the stack) and 10 doubles (two
// on the stack, interleaved after the integers), and a variadic callee reading doubles (al = vector count),
// checked against the same functions called natively by a C driver built here.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { Machine } from '../../src/process/machine.ts';
import { resultText } from '../../src/process/call-args.ts';
import { hasCc, repoRoot } from '../helpers/oracles.ts';

const dir = `${repoRoot}/.cache/oracles/convention`;
const lib = `${dir}/libconvention.so`;

const LIB_SOURCE = `#include <stdarg.h>
double mix(long a, long b, long c, long d, long e, long f, long g, long h,
           double x0, double x1, double x2, double x3, double x4, double x5, double x6, double x7, double x8, double x9) {
  return a + 2*b + 3*c + 5*d + 7*e + 11*f + 13*g + 17*h
       + 0.5*x0 + 0.25*x1 + 0.125*x2 + 3*x3 + 9*x4 + 27*x5 + 81*x6 + 243*x7 + 729*x8 + 2187*x9;
}
double sum_doubles(int n, ...) {
  va_list ap; va_start(ap, n); double s = 0;
  for (int k = 0; k < n; k++) s = s * 10 + va_arg(ap, double);
  va_end(ap); return s;
}
long stack_args(long a, long b, long c, long d, long e, long f, long g, long h, long i) {
  return a - b + c - d + e - f + g * 1000 + h * 100000 + i * 10000000;
}
`;
const DRIVER_SOURCE = `#include <dlfcn.h>
#include <stdio.h>
int main(int argc, char **argv) {
  void *h = dlopen(argv[1], RTLD_NOW); if (!h) return 2;
  double (*mix)(long,long,long,long,long,long,long,long,double,double,double,double,double,double,double,double,double,double) = dlsym(h, "mix");
  double (*sum)(int, ...) = dlsym(h, "sum_doubles");
  long (*st)(long,long,long,long,long,long,long,long,long) = dlsym(h, "stack_args");
  printf("%.17g\\n", mix(1,2,3,4,5,6,7,8, 1.5,2.5,3.5,4.5,5.5,6.5,7.5,8.5,9.5,10.5));
  printf("%.17g\\n", sum(3, 1.0, 2.0, 3.0));
  printf("%ld\\n", st(1,2,3,4,5,6,7,8,9));
  return 0;
}
`;

let native: string[] = [];

describe.skipIf(!hasCc())('System V argument passing', () => {
  beforeAll(() => {
    mkdirSync(dir, { recursive: true });
    writeFileSync(`${dir}/convention.c`, LIB_SOURCE);
    writeFileSync(`${dir}/driver.c`, DRIVER_SOURCE);
    execFileSync('cc', ['-shared', '-fPIC', '-O2', '-o', lib, `${dir}/convention.c`]);
    execFileSync('cc', ['-O1', '-o', `${dir}/driver`, `${dir}/driver.c`, '-ldl']);
    native = execFileSync(`${dir}/driver`, [lib], { encoding: 'utf8' }).trim().split('\n');
  });

  it('8 integers and 10 doubles (the 7th+ integers and 9th+ doubles on the stack), a variadic callee, 9 integers', async () => {
    const m = await Machine.create();
    const p = m.spawn();
    p.load(lib);
    const mixArgs = [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, ...[1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5, 9.5, 10.5].map((f64) => ({ f64 }))];
    expect(Number(resultText(p.call('mix', mixArgs, { ret: 'f64' }).result))).toBe(Number(native[0]));
    expect(Number(resultText(p.call('sum_doubles', [3n, { f64: 1 }, { f64: 2 }, { f64: 3 }], { ret: 'f64' }).result))).toBe(Number(native[1]));
    expect(resultText(p.call('stack_args', [1n, 2n, 3n, 4n, 5n, 6n, 7n, 8n, 9n], { ret: 'long' }).result)).toBe(native[2]);
  });
});
