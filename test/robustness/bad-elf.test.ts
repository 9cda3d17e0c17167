// Replays every input the fuzzer kept in fixtures/bad-elf/: each must now end as its sidecar says (a typed
// error from the right stage, within the time limit and the memory bound), never as the failure once found.
import { basename } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cleanWorkDir, mutationRng, runInput } from './fuzz-core.ts';
import { badElfBytes, listBadElf } from './bad-elf.ts';

const names = listBadElf();

describe('fixtures/bad-elf: inputs the fuzzer found, replayed', () => {
  it('there are saved inputs, each with a sidecar that names what must happen', () => {
    expect(names.length).toBeGreaterThan(0);
    for (const n of names) {
      const { sidecar } = badElfBytes(n);
      expect(sidecar.expected.outcomes.length, n).toBeGreaterThan(0);
      expect(sidecar.found.length, n).toBeGreaterThan(0);
    }
  });

  it.each(names)('%s', (name) => {
    const saved = badElfBytes(name);
    if ('missing' in saved) {
      // A recipe over a system library this machine does not have (or has another build of): nothing to replay.
      console.warn(`fixtures/bad-elf/${name}: ${saved.missing}; not replayed`);
      return;
    }
    const { bytes, sidecar } = saved;
    try {
      const r = runInput(bytes, basename(sidecar.source), mutationRng(sidecar.seed, sidecar.iteration));
      expect(r.failure, `${name}: ${sidecar.note ?? ''}`).toBeUndefined();
      if (sidecar.expected.stage !== 'any') expect(r.stage, name).toBe(sidecar.expected.stage);
      expect(sidecar.expected.outcomes, `${name} ended with ${r.outcome}: ${r.message}`).toContain(r.outcome);
      if (sidecar.expected.messageIncludes) expect(r.message, name).toContain(sidecar.expected.messageIncludes);
    } finally {
      cleanWorkDir();
    }
  });
});
