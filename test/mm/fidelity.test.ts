// Page-for-page fidelity (test/mm/fidelity.ts): every smaps field and every pagemap page of a library's VMAs,
// after loading and after calls in two processes, equal to the kernel's for two native processes; and the oracle
// helper exec'ed inside picemu printing what it prints natively under setarch -R. A CI slice;
// `npm run smaps-fidelity [--exec]` runs the whole list (scripts/smaps-fidelity.ts).
import { describe, expect, it } from 'vitest';
import { hasCc, hasSetarch, repoRoot } from '../helpers/oracles.ts';
import { differences, execedReport, nativeReport, picemuReport, privateCopy } from './fidelity.ts';

const D = '/usr/lib/x86_64-linux-gnu';
const cases: [string, string | undefined, number][] = [
  [`${repoRoot}/fixtures/libcounter.so`, 'really_really_nonreentrant', 3], // a written .bss
  [`${repoRoot}/fixtures/libtls.so`, 'tls_bump', 3], // TLS
  [`${D}/libz.so.1`, 'zlibCompileFlags', 3], // fault-around in a multi-page text
  [`${D}/libisl.so.23`, undefined, 0], // 2.1 MB: a 2 MiB-aligned base
];

describe.skipIf(!hasCc())('smaps and pagemap of a loaded library vs the kernel, field for field', () => {
  it.each(cases)('%s (%s)', async (system, symbol, calls) => {
    const lib = privateCopy(system);
    const native = nativeReport(lib, symbol, calls);
    const ours = await picemuReport(lib, native, symbol, calls);
    expect(differences(native, ours)).toEqual([]);
    // The comparison covered what it claims: every field the kernel prints, for every VMA, in both phases.
    expect(ours.load[0]!.length).toBe(native.load[0]!.length);
    expect(native.load[0]![0]!.fields.map((f) => f.split(':')[0])).toEqual([
      'Size', 'KernelPageSize', 'MMUPageSize', 'Rss', 'Pss', 'Pss_Dirty', 'Shared_Clean', 'Shared_Dirty', 'Private_Clean', 'Private_Dirty',
      'Referenced', 'Anonymous', 'KSM', 'LazyFree', 'AnonHugePages', 'ShmemPmdMapped', 'FilePmdMapped', 'Shared_Hugetlb', 'Private_Hugetlb',
      'Swap', 'SwapPss', 'Locked', 'THPeligible', 'VmFlags',
    ]);
  });
});


describe.skipIf(!hasCc() || !hasSetarch())('the oracle helper exec\'ed inside picemu', () => {
  it('prints what it prints natively under setarch -R: addresses, every field, every page', () => {
    const lib = privateCopy(`${repoRoot}/fixtures/libcounter.so`);
    const native = nativeReport(lib, 'really_really_nonreentrant', 3, { noAslr: true });
    const execed = execedReport(lib, 'really_really_nonreentrant', 3);
    expect(execed.call?.[1]?.length).toBe(native.call?.[1]?.length);
    expect(differences(native, execed)).toEqual([]);
  }, 120_000);
});
