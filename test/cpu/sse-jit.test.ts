// The SSE integer and move host tables again, with every case compiled from its first execution (jit: 'always'):
// the forms the region compiler handles (padd/psub/pand/por/pxor, movdqu/movdqa/movups/movaps) run as WebAssembly SIMD.
process.env.PICEMU_TEST_JIT = 'always';
await import('./sse-int.test.ts');
await import('./sse-move.test.ts');
export {};
