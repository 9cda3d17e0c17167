// DT_GNU_HASH and DT_HASH: reading them (bounded), counting the dynamic symbols, checking that every symbol
// sits in the chain its name hashes to, and looking names up the way ld.so does.
import * as C from './constants.ts';
import { ElfError, hexOf } from './errors.ts';
import { fileWindow, isPowerOfTwo } from './program-headers.ts';
import type { Reader } from './reader.ts';
import type { ElfSymbol, FileOffset, GnuHashTable, ProgramHeader, SysvHashTable } from './types.ts';

/** The GNU hash function (dl_new_hash). */
export function gnuHash(name: string): number {
  let h = 5381;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 33) + name.charCodeAt(i)) >>> 0;
  return h;
}

/** The System V ELF hash function (also used for version names). */
export function elfHash(name: string): number {
  let h = 0;
  for (let i = 0; i < name.length; i++) {
    h = ((h << 4) + name.charCodeAt(i)) >>> 0;
    const g = h & 0xf0000000;
    if (g !== 0) h ^= g >>> 24;
    h = (h & ~g) >>> 0;
  }
  return h >>> 0;
}

function u32Array(r: Reader, offset: number, count: number): Uint32Array {
  const out = new Uint32Array(count);
  const view = new DataView(r.bytes.buffer, r.bytes.byteOffset + offset, count * 4);
  for (let i = 0; i < count; i++) out[i] = view.getUint32(i * 4, true);
  return out;
}

export function parseGnuHash(r: Reader, loads: readonly ProgramHeader[], vaddr: number, at: number): GnuHashTable {
  const w = fileWindow(r, loads, 'DT_GNU_HASH', vaddr, at);
  const room = w.end - w.offset;
  if (room < 16) throw new ElfError('DT_GNU_HASH', vaddr, 'header extends past the end of its PT_LOAD', at);
  const nbuckets = r.u32('gnu_hash.nbuckets', w.offset);
  const symoffset = r.u32('gnu_hash.symoffset', w.offset + 4);
  const bloomSize = r.u32('gnu_hash.bloom_size', w.offset + 8);
  const bloomShift = r.u32('gnu_hash.bloom_shift', w.offset + 12);
  if (nbuckets === 0) throw new ElfError('gnu_hash.nbuckets', nbuckets, 'is 0', w.offset);
  if (!isPowerOfTwo(bloomSize)) throw new ElfError('gnu_hash.bloom_size', bloomSize, 'is not a power of two', w.offset + 8);
  if (bloomShift >= 64) throw new ElfError('gnu_hash.bloom_shift', bloomShift, 'is not below 64', w.offset + 12);
  const bloomAt = w.offset + 16;
  const bucketsAt = bloomAt + bloomSize * 8;
  const chainsAt = bucketsAt + nbuckets * 4;
  if (chainsAt > w.end) {
    throw new ElfError('gnu_hash.nbuckets', nbuckets, `with bloom_size ${bloomSize} extends past the end of its PT_LOAD (file offset ${hexOf(w.end)})`, w.offset);
  }
  const bloom = u32Array(r, bloomAt, bloomSize * 2);
  const buckets = u32Array(r, bucketsAt, nbuckets);
  // The symbol count: the end of the chain that starts at the highest bucket.
  let max = 0;
  for (let b = 0; b < nbuckets; b++) {
    const start = buckets[b]!;
    if (start !== 0 && start < symoffset) {
      throw new ElfError(`gnu_hash.buckets[${b}]`, start, `is below symoffset ${symoffset}`, bucketsAt + b * 4);
    }
    if (start > max) max = start;
  }
  let count = symoffset;
  if (max !== 0) {
    let i = max;
    for (;;) {
      const off = chainsAt + (i - symoffset) * 4;
      if (off + 4 > w.end) throw new ElfError('gnu_hash.chains', i, 'chain runs past the end of its PT_LOAD', off);
      if (r.u32(`gnu_hash.chains[${i - symoffset}]`, off) & 1) break;
      i++;
    }
    count = i + 1;
  }
  const chains = u32Array(r, chainsAt, count - symoffset);
  return { nbuckets, symoffset, bloomSize, bloomShift, tableOffset: w.offset, bloom, buckets, chains, symbolCount: count };
}

export function parseSysvHash(r: Reader, loads: readonly ProgramHeader[], vaddr: number, at: number): SysvHashTable {
  const w = fileWindow(r, loads, 'DT_HASH', vaddr, at);
  if (w.end - w.offset < 8) throw new ElfError('DT_HASH', vaddr, 'header extends past the end of its PT_LOAD', at);
  const nbucket = r.u32('hash.nbucket', w.offset);
  const nchain = r.u32('hash.nchain', w.offset + 4);
  if (nbucket === 0) throw new ElfError('hash.nbucket', nbucket, 'is 0', w.offset);
  const bucketsAt = w.offset + 8;
  const chainsAt = bucketsAt + nbucket * 4;
  if (chainsAt + nchain * 4 > w.end) {
    throw new ElfError('hash.nchain', nchain, `with nbucket ${nbucket} extends past the end of its PT_LOAD (file offset ${hexOf(w.end)})`, w.offset + 4);
  }
  const buckets = u32Array(r, bucketsAt, nbucket);
  const chains = u32Array(r, chainsAt, nchain);
  for (let b = 0; b < nbucket; b++) {
    if (buckets[b]! >= nchain) throw new ElfError(`hash.buckets[${b}]`, buckets[b]!, `is not below nchain ${nchain}`, bucketsAt + b * 4);
  }
  for (let i = 0; i < nchain; i++) {
    if (chains[i]! >= nchain) throw new ElfError(`hash.chains[${i}]`, chains[i]!, `is not below nchain ${nchain}`, chainsAt + i * 4);
  }
  return { nbucket, nchain, tableOffset: w.offset, buckets, chains };
}

/** Every hashed symbol must be in the chain of the bucket its name hashes to, once (this also rules out loops). */
export function checkGnuHash(t: GnuHashTable, symbols: readonly ElfSymbol[]): void {
  const bucketsAt = t.tableOffset + 16 + t.bloomSize * 8;
  const chainsAt = bucketsAt + t.nbuckets * 4;
  const seen = new Uint8Array(t.symbolCount);
  for (let b = 0; b < t.nbuckets; b++) {
    let i = t.buckets[b]!;
    if (i === 0) continue;
    for (;;) {
      const at = chainsAt + (i - t.symoffset) * 4;
      if (i >= t.symbolCount || i >= symbols.length) throw new ElfError(`gnu_hash.buckets[${b}]`, t.buckets[b]!, 'chain runs past the last symbol', bucketsAt + b * 4);
      if (seen[i]) throw new ElfError(`gnu_hash.chains[${i - t.symoffset}]`, t.chains[i - t.symoffset]!, `puts symbol ${i} in two chains`, at);
      seen[i] = 1;
      const sym = symbols[i]!;
      const h = gnuHash(sym.name);
      const entry = t.chains[i - t.symoffset]!;
      if ((h | 1) >>> 0 !== (entry | 1) >>> 0 || h % t.nbuckets !== b) {
        throw new ElfError(`gnu_hash.chains[${i - t.symoffset}]`, entry, `does not match symbol ${i} '${sym.name}' (hash ${hexOf(h)}, bucket ${b})`, at);
      }
      if (!bloomAccepts(t, h)) throw new ElfError('gnu_hash.bloom', h, `filter rejects symbol ${i} '${sym.name}'`, t.tableOffset + 16);
      if (entry & 1) break;
      i++;
    }
  }
  for (let i = t.symoffset; i < t.symbolCount; i++) {
    if (!seen[i]) throw new ElfError(`gnu_hash.chains[${i - t.symoffset}]`, t.chains[i - t.symoffset]!, `symbol ${i} is in no bucket's chain`, chainsAt + (i - t.symoffset) * 4);
  }
}

function bloomAccepts(t: GnuHashTable, h: number): boolean {
  const word = Math.floor(h / 64) & (t.bloomSize - 1);
  const lo = t.bloom[word * 2]!;
  const hi = t.bloom[word * 2 + 1]!;
  const bit = (n: number) => (n < 32 ? (lo >>> n) & 1 : (hi >>> (n - 32)) & 1);
  const h2 = Math.floor(h / 2 ** t.bloomShift);
  return bit(h % 64) === 1 && bit(h2 % 64) === 1;
}

/** Every symbol is in exactly one chain (bounded walk: a loop is an error), the one its name hashes to. */
export function checkSysvHash(t: SysvHashTable, symbols: readonly ElfSymbol[]): void {
  const bucketsAt = t.tableOffset + 8;
  const chainsAt = bucketsAt + t.nbucket * 4;
  const seen = new Uint8Array(t.nchain);
  for (let b = 0; b < t.nbucket; b++) {
    for (let i = t.buckets[b]!; i !== 0; i = t.chains[i]!) {
      if (seen[i]) throw new ElfError(`hash.chains[${i}]`, t.chains[i]!, `reaches symbol ${i} twice (a loop or two chains)`, chainsAt + i * 4);
      seen[i] = 1;
      const sym = symbols[i];
      if (!sym) throw new ElfError(`hash.chains[${i}]`, i, 'names a symbol past the end of the table', chainsAt + i * 4);
      if (elfHash(sym.name) % t.nbucket !== b) {
        throw new ElfError(`hash.buckets[${b}]`, t.buckets[b]!, `chain holds symbol ${i} '${sym.name}' of another bucket`, bucketsAt + b * 4);
      }
    }
  }
}

/**
 * An optional observer of what a lookup reads (for callers that model ld.so's memory accesses, such as the
 * loader, which reads the same bytes through the mapping): it changes nothing about the lookup.
 */
export interface HashProbe {
  /** `size` bytes of the hash table were read at file offset `offset` (a bloom word, a bucket, a chain word). */
  word(offset: FileOffset, size: number): void;
  /** Dynamic symbol `index` was compared with the name (its hash matched, for DT_GNU_HASH). */
  symbol(index: number): void;
}

/** Symbols in the hash chain for `name` whose name matches (defined or not), in chain order. */
export function hashChainMatches(
  gnu: GnuHashTable | undefined,
  sysv: SysvHashTable | undefined,
  symbols: readonly ElfSymbol[],
  name: string,
  probe?: HashProbe,
): ElfSymbol[] {
  const out: ElfSymbol[] = [];
  if (gnu) {
    const h = gnuHash(name);
    const bucketsAt = gnu.tableOffset + 16 + gnu.bloomSize * 8;
    const chainsAt = bucketsAt + gnu.nbuckets * 4;
    probe?.word(gnu.tableOffset + 16 + (Math.floor(h / 64) & (gnu.bloomSize - 1)) * 8, 8);
    if (!bloomAccepts(gnu, h)) return out;
    probe?.word(bucketsAt + (h % gnu.nbuckets) * 4, 4);
    let i = gnu.buckets[h % gnu.nbuckets]!;
    if (i === 0) return out;
    for (; i < gnu.symbolCount && i < symbols.length; i++) {
      probe?.word(chainsAt + (i - gnu.symoffset) * 4, 4);
      const entry = gnu.chains[i - gnu.symoffset]!;
      if (((entry ^ h) >>> 1) === 0) {
        probe?.symbol(i);
        if (symbols[i]!.name === name) out.push(symbols[i]!);
      }
      if (entry & 1) break;
    }
    return out;
  }
  if (sysv) {
    const h = elfHash(name);
    const bucketsAt = sysv.tableOffset + 8;
    const chainsAt = bucketsAt + sysv.nbucket * 4;
    probe?.word(bucketsAt + (h % sysv.nbucket) * 4, 4);
    let steps = 0;
    for (let i = sysv.buckets[h % sysv.nbucket]!; i !== 0 && steps <= sysv.nchain; i = sysv.chains[i]!, steps++) {
      probe?.symbol(i);
      if (symbols[i]?.name === name) out.push(symbols[i]!);
      probe?.word(chainsAt + i * 4, 4);
    }
  }
  return out;
}

/** Would ld.so consider this symbol a definition (do_lookup_x / check_match)? */
export function isLookupCandidate(sym: ElfSymbol): boolean {
  if (sym.shndx === C.SHN_UNDEF) return false;
  if (sym.value === 0 && sym.shndx !== C.SHN_ABS && sym.type !== C.STT_TLS) return false;
  if (![C.STT_NOTYPE, C.STT_OBJECT, C.STT_FUNC, C.STT_COMMON, C.STT_TLS, C.STT_GNU_IFUNC].includes(sym.type)) return false;
  return sym.binding === C.STB_GLOBAL || sym.binding === C.STB_WEAK || sym.binding === C.STB_GNU_UNIQUE;
}
