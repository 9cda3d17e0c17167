// The integer host-CPU table again, with every instruction run through the block compiler (jit: 'always').
process.env.PICEMU_TEST_JIT = 'always';
await import('./integer-host.test.ts');
export {};
