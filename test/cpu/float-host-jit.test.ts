// The remaining host-CPU tables again (SSE float, compare/convert, misc and exceptions; F16C; FMA), every case run
// through the compilers from its first execution (jit: 'always'), at a quarter of the random states per form: none of
// these forms has a compile rule, so this checks that a region ends before each and the interpreter's result stands.
process.env.PICEMU_TEST_JIT = 'always';
process.env.SSE_CASES_SCALE ??= '0.25';
await import('./sse-float.test.ts');
await import('./sse-compare-convert.test.ts');
await import('./sse-misc.test.ts');
await import('./sse-exceptions.test.ts');
await import('./f16c-host.test.ts');
await import('./fma-host.test.ts');
export {};
