// /proc/cpuinfo as arch/x86/kernel/cpu/proc.c prints it, derived from the CPU profile's own cpuid answers,
// so the guest sees in /proc/cpuinfo exactly the features cpuid (and AT_HWCAP) advertise.
import { cpuid, type CpuProfile } from '../../cpu/features.ts';

type Reg = 0 | 1 | 2 | 3; // eax, ebx, ecx, edx

/**
 * The kernel's capability words that come straight from cpuid, in x86_cap_flags order (word 0: 1.EDX,
 * word 1: 0x80000001.EDX, word 4: 1.ECX, word 6: 0x80000001.ECX, word 9: 7.0.EBX, word 10: 0xD.1.EAX, word 16: 7.0.ECX), each
 * bit's name as cpuinfo prints it (bits the kernel does not print are absent); word 10 is 0xD.1.EAX.
 */
const CPUID_WORDS: { leaf: number; subleaf: number; reg: Reg; names: Record<number, string> }[] = [
  { leaf: 1, subleaf: 0, reg: 3, names: {
    0: 'fpu', 1: 'vme', 2: 'de', 3: 'pse', 4: 'tsc', 5: 'msr', 6: 'pae', 7: 'mce', 8: 'cx8', 9: 'apic', 11: 'sep',
    12: 'mtrr', 13: 'pge', 14: 'mca', 15: 'cmov', 16: 'pat', 17: 'pse36', 18: 'pn', 19: 'clflush', 21: 'dts',
    22: 'acpi', 23: 'mmx', 24: 'fxsr', 25: 'sse', 26: 'sse2', 27: 'ss', 28: 'ht', 29: 'tm', 30: 'ia64', 31: 'pbe' } },
  { leaf: 0x80000001, subleaf: 0, reg: 3, names: {
    11: 'syscall', 19: 'mp', 20: 'nx', 22: 'mmxext', 25: 'fxsr_opt', 26: 'pdpe1gb', 27: 'rdtscp', 29: 'lm',
    30: '3dnowext', 31: '3dnow' } },
  { leaf: 1, subleaf: 0, reg: 2, names: {
    0: 'pni', 1: 'pclmulqdq', 2: 'dtes64', 3: 'monitor', 4: 'ds_cpl', 5: 'vmx', 6: 'smx', 7: 'est', 8: 'tm2',
    9: 'ssse3', 10: 'cid', 11: 'sdbg', 12: 'fma', 13: 'cx16', 14: 'xtpr', 15: 'pdcm', 17: 'pcid', 18: 'dca',
    19: 'sse4_1', 20: 'sse4_2', 21: 'x2apic', 22: 'movbe', 23: 'popcnt', 24: 'tsc_deadline_timer', 25: 'aes',
    26: 'xsave', 28: 'avx', 29: 'f16c', 30: 'rdrand', 31: 'hypervisor' } },
  { leaf: 0x80000001, subleaf: 0, reg: 2, names: {
    0: 'lahf_lm', 1: 'cmp_legacy', 2: 'svm', 3: 'extapic', 4: 'cr8_legacy', 5: 'abm', 6: 'sse4a', 7: 'misalignsse',
    8: '3dnowprefetch', 9: 'osvw', 10: 'ibs', 11: 'xop', 12: 'skinit', 13: 'wdt', 15: 'lwp', 16: 'fma4', 17: 'tce',
    19: 'nodeid_msr', 21: 'tbm', 22: 'topoext', 23: 'perfctr_core', 24: 'perfctr_nb', 26: 'bpext', 27: 'ptsc',
    28: 'perfctr_llc', 29: 'mwaitx' } },
  { leaf: 7, subleaf: 0, reg: 1, names: {
    0: 'fsgsbase', 1: 'tsc_adjust', 2: 'sgx', 3: 'bmi1', 4: 'hle', 5: 'avx2', 7: 'smep', 8: 'bmi2', 9: 'erms',
    10: 'invpcid', 11: 'rtm', 12: 'cqm', 14: 'mpx', 15: 'rdt_a', 16: 'avx512f', 17: 'avx512dq', 18: 'rdseed',
    19: 'adx', 20: 'smap', 21: 'avx512ifma', 23: 'clflushopt', 24: 'clwb', 25: 'intel_pt', 26: 'avx512pf',
    27: 'avx512er', 28: 'avx512cd', 29: 'sha_ni', 30: 'avx512bw', 31: 'avx512vl' } },
  { leaf: 0xd, subleaf: 1, reg: 0, names: { 0: 'xsaveopt', 1: 'xsavec', 2: 'xgetbv1', 3: 'xsaves' } },
  { leaf: 7, subleaf: 0, reg: 2, names: {
    1: 'avx512vbmi', 2: 'umip', 3: 'pku', 4: 'ospke', 5: 'waitpkg', 6: 'avx512_vbmi2', 8: 'gfni', 9: 'vaes',
    10: 'vpclmulqdq', 11: 'avx512_vnni', 12: 'avx512_bitalg', 13: 'tme', 14: 'avx512_vpopcntdq', 16: 'la57',
    22: 'rdpid', 25: 'cldemote', 27: 'movdiri', 28: 'movdir64b', 29: 'enqcmd', 30: 'sgx_lc' } },
];

/** A cpuid function: leaf, subleaf → [eax, ebx, ecx, edx]. */
export type CpuidFn = (leaf: number, subleaf: number) => readonly [number, number, number, number];

/** The cpuinfo flag names cpuid advertises, in the kernel's order. Leaves above the maximum are not asked. */
export function cpuidFlags(query: CpuidFn): string[] {
  const maxBasic = query(0, 0)[0] >>> 0;
  const maxExt = query(0x80000000, 0)[0] >>> 0;
  const out: string[] = [];
  for (const word of CPUID_WORDS) {
    const max = word.leaf >= 0x80000000 ? maxExt : maxBasic;
    if (word.leaf > max) continue;
    const value = query(word.leaf, word.subleaf)[word.reg] >>> 0;
    for (let bit = 0; bit < 32; bit++) {
      const name = word.names[bit];
      if (name && (value >>> bit) & 1) out.push(name);
    }
  }
  return out;
}

/**
 * The cache size cpuinfo shows, in KB: on Intel (init_intel_cacheinfo) the last level's from the deterministic
 * cache leaf 4 (L3, else L2, else L1i + L1d); elsewhere (cpu_detect_cache_sizes) L2's from 0x80000006.ECX[31:16].
 * 0 when the CPU says nothing (the line is then left out).
 */
function cacheSizeKb(query: CpuidFn, vendor: string): number {
  if (vendor === 'GenuineIntel' && (query(0, 0)[0] >>> 0) >= 4) {
    const byLevel = new Map<number, number>();
    for (let sub = 0; sub < 16; sub++) {
      const [eax, ebx, ecx] = query(4, sub);
      const type = eax & 0x1f;
      if (type === 0) break;
      const level = (eax >>> 5) & 7;
      const bytes = ((ebx >>> 22) + 1) * (((ebx >>> 12) & 0x3ff) + 1) * ((ebx & 0xfff) + 1) * ((ecx >>> 0) + 1);
      byLevel.set(level, (byLevel.get(level) ?? 0) + (level === 1 || type !== 2 ? bytes : 0));
    }
    return Math.floor((byLevel.get(3) ?? byLevel.get(2) ?? byLevel.get(1) ?? 0) / 1024);
  }
  if ((query(0x80000000, 0)[0] >>> 0) >= 0x80000006) return query(0x80000006, 0)[2] >>> 16;
  return 0;
}

/** The brand string of leaves 0x80000002-4, or '' when the CPU has none. */
function brandString(query: CpuidFn): string {
  if ((query(0x80000000, 0)[0] >>> 0) < 0x80000004) return '';
  let s = '';
  for (let leaf = 0x80000002; leaf <= 0x80000004; leaf++) {
    for (const r of query(leaf, 0)) for (let i = 0; i < 4; i++) s += String.fromCharCode((r >>> (8 * i)) & 0xff);
  }
  return s.replace(/\0.*$/s, '').trim();
}

export interface CpuinfoOptions {
  cpuCount: number;
  /** The nominal clock picemu reports (cpu MHz; bogomips is twice it, as calibrate_delay gives on modern CPUs). */
  mhz?: number;
}

/** /proc/cpuinfo for `cpuCount` identical processors of `profile`. */
export function renderCpuinfo(profile: CpuProfile, options: CpuinfoOptions): string {
  const query: CpuidFn = (leaf, subleaf) => cpuid(profile, leaf, subleaf);
  return renderCpuinfoFrom(query, options);
}

export function renderCpuinfoFrom(query: CpuidFn, options: CpuinfoOptions): string {
  const [maxLeaf, v1, v2, v3] = query(0, 0);
  const vendor = [v1, v3, v2].map((r) => String.fromCharCode(r & 0xff, (r >>> 8) & 0xff, (r >>> 16) & 0xff, r >>> 24)).join('');
  const [sig, misc] = query(1, 0);
  const baseFamily = (sig >>> 8) & 0xf;
  const family = baseFamily === 0xf ? baseFamily + ((sig >>> 20) & 0xff) : baseFamily;
  const model = baseFamily >= 6 ? ((sig >>> 4) & 0xf) | (((sig >>> 16) & 0xf) << 4) : (sig >>> 4) & 0xf;
  const flags = cpuidFlags(query);
  const has = (f: string) => flags.includes(f);
  const clflush = ((misc >>> 8) & 0xff) * 8 || 64;
  const extMax = query(0x80000000, 0)[0] >>> 0;
  const [phys, virt] = extMax >= 0x80000008 ? [query(0x80000008, 0)[0] & 0xff, (query(0x80000008, 0)[0] >>> 8) & 0xff] : [36, 48];
  const mhz = options.mhz ?? 1000;
  const cache = cacheSizeKb(query, vendor);
  const bogo = mhz * 2;
  let out = '';
  for (let n = 0; n < options.cpuCount; n++) {
    out +=
      `processor\t: ${n}\nvendor_id\t: ${vendor}\ncpu family\t: ${family}\nmodel\t\t: ${model}\n` +
      `model name\t: ${brandString(query) || 'unknown'}\nstepping\t: ${sig & 0xf}\nmicrocode\t: 0x0\n` +
      `cpu MHz\t\t: ${mhz.toFixed(3)}\n` +
      (cache ? `cache size\t: ${cache} KB\n` : '') +
      `physical id\t: 0\nsiblings\t: ${options.cpuCount}\ncore id\t\t: ${n}\ncpu cores\t: ${options.cpuCount}\n` +
      `apicid\t\t: ${n}\ninitial apicid\t: ${n}\n` +
      `fpu\t\t: ${has('fpu') ? 'yes' : 'no'}\nfpu_exception\t: ${has('fpu') ? 'yes' : 'no'}\n` +
      `cpuid level\t: ${maxLeaf}\nwp\t\t: yes\n` +
      `flags\t\t: ${flags.join(' ')}\nbugs\t\t:\nbogomips\t: ${bogo.toFixed(2)}\n` +
      `clflush size\t: ${clflush}\ncache_alignment\t: ${clflush}\n` +
      `address sizes\t: ${phys} bits physical, ${virt} bits virtual\npower management:\n\n`;
  }
  return out;
}
