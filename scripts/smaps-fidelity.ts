// The long run of test/mm/fidelity.test.ts: every smaps field and pagemap page of each library's VMAs, after a
// dlopen and after calls in two processes, natively (the kernel) and in picemu. `npm run smaps-fidelity [--exec] [LIB[:SYMBOL[:CALLS]]...]`;
// with --exec, also the helper itself exec'ed inside picemu against its native run under setarch -R;
// without arguments, the list below (chosen for variety: multi-page text, large bss, TLS, 2 MiB-aligned,
// many dependencies). Prints one line per library and the differences; exits 1 when any differ.
import { differences, execedReport, nativeReport, picemuReport, privateCopy } from '../test/mm/fidelity.ts';

const D = '/usr/lib/x86_64-linux-gnu';
const F = new URL('../fixtures/', import.meta.url).pathname;
// LIB[:SYMBOL:CALLS], SYMBOL an int(void) function. Comments say what each adds to the variety.
export const FIDELITY_LIBRARIES: string[] = [
  `${F}libcounter.so:really_really_nonreentrant:3`, // the seed story: one-page text, a written .bss
  `${F}libdemo.so:sum_vec_data:3`,
  `${F}libtls.so:tls_bump:3`, // TLS
  `${F}libcowdata.so:cow_sum:1`, // multi-page .data read, not written
  `${F}libsse.so:init_data:1`,
  `${D}/libz.so.1:zlibCompileFlags:3`,
  `${D}/liblzma.so.5:lzma_version_number:2`,
  `${D}/libzstd.so.1:ZSTD_versionNumber:2`,
  `${D}/libbz2.so.1.0:BZ2_bzlibVersion:1`,
  `${D}/libexpat.so.1:XML_ExpatVersion:1`,
  `${D}/libsqlite3.so.0:sqlite3_libversion_number:2`, // 1.4 MB, multi-page text
  `${D}/libssl.so.3`, // depends on libcrypto
  `${D}/libgmp.so.10`,
  `${D}/libmpfr.so.6:mpfr_get_emax:1`, // depends on libgmp
  `${D}/libffi.so.8`,
  `${D}/libuuid.so.1`,
  `${D}/libpcre2-8.so.0`,
  `${D}/libgcc_s.so.1`,
  `${D}/libicuuc.so.72`, // depends on libicudata (30 MB) and libstdc++
  `${D}/libicudata.so.72`, // 30 MB of data: a 2 MiB-aligned base
  `${D}/libisl.so.23`, // 2.1 MB: 2 MiB-aligned
  `${D}/libunicorn.so.2`, // 19 MB, TLS, 2 MiB-aligned
  `${D}/libpython3.11.so.1.0:Py_GetVersion:1`, // 7.5 MB, large .bss, many dependencies
  `${D}/libtcl8.6.so`, // large .bss
  `${D}/libelf.so.1:elf_version:0`,
  `${D}/libgdbm.so.6`, // TLS
  `${D}/libjpeg.so.62`, // TLS
  `${D}/libsodium.so.23:sodium_init:1`, // TLS
  `${D}/libcom_err.so.2`, // TLS, tiny
  `${D}/libblkid.so.1`, // TLS
  `${D}/libdb-5.3.so`,
  `${D}/libmagic.so.1`, // 4 dependencies
  `${D}/libunistring.so.2`,
  `${D}/libbrotlienc.so.1`,
  `${D}/libgcrypt.so.20`,
  `${D}/libnettle.so.8`,
  // libcrypto.so.3 differs in one rodata window: its initializer's getenv("OPENSSL_ia32cap") reads the name
  // natively, while picemu's library-only process has no environment (glibc's getenv returns before reading).
  `${D}/libcrypto.so.3:OpenSSL_version_num:1`,
];

async function main(): Promise<void> {
  const exec = process.argv.includes('--exec');
  const wanted = process.argv.slice(2).filter((a) => a !== '--exec');
  let failed = 0;
  for (const spec of wanted.length ? wanted : FIDELITY_LIBRARIES) {
    const [system, symbol, calls] = spec.split(':');
    const lib = privateCopy(system!);
    const t0 = Date.now();
    try {
      const native = nativeReport(lib!, symbol, Number(calls ?? 1));
      const ours = await picemuReport(lib!, native, symbol, Number(calls ?? 1));
      const diff = differences(native, ours);
      if (exec) {
        const execed = execedReport(lib, symbol, Number(calls ?? 1));
        diff.push(...differences(nativeReport(lib, symbol, Number(calls ?? 1), { noAslr: true }), execed).map((d) => `exec'ed: ${d}`));
      }
      const vmas = native.load[0]!.length;
      console.log(`${diff.length ? 'DIFF' : 'ok  '} ${lib} (${vmas} VMAs${symbol ? `, ${symbol} x${calls ?? 1}` : ''}) ${Date.now() - t0} ms`);
      for (const d of diff) console.log(`     ${d}`);
      if (diff.length) failed++;
    } catch (err) {
      failed++;
      console.log(`ERR  ${lib}: ${(err as Error).message.split('\n')[0]}`);
    }
  }
  process.exitCode = failed ? 1 : 0;
}

await main();
