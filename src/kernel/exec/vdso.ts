// The vDSO: the host kernel's own image (read from this process's [vdso] through /proc/self/mem), mapped after
// [vvar] and [vvar_vclock] with this kernel's sizes. Its data page says "no usable clocksource" (clock_mode 0), so
// every high-resolution clock falls back to a real system call (picemu's clocks answer); the coarse clocks and
// time(), which the vDSO reads straight from the page, are kept current by refreshVdsoTime. One set of frames
// serves every process, as the kernel's vDSO pages do.
import { openSync, readFileSync, readSync, closeSync } from 'node:fs';
import type { AddressSpace } from '../../mm/address-space.ts';
import { PAGE_SIZE, PROT_EXEC, PROT_READ } from '../../mm/types.ts';

export interface VdsoImage {
  /** [vvar] size, [vvar_vclock] size, and the vDSO text, as the host maps them. */
  vvarSize: number;
  vclockSize: number;
  text: Uint8Array;
  /** [vvar]'s bytes: page 0 is the time data (struct vdso_time_data), the rest stay zero. */
  vvar: Uint8Array;
  vclock: Uint8Array;
}

/** Offset of basetime[0] in struct vdso_clock (seq, clock_mode, cycle_last, max_cycles, mask, mult, shift), as the host's __vdso_time reads it. */
const BASETIME = 0x28;
const CLOCK_REALTIME = 0, CLOCK_MONOTONIC = 1, CLOCK_REALTIME_COARSE = 5, CLOCK_MONOTONIC_COARSE = 6;

/** The host's vDSO and its neighbours' sizes; undefined when this system does not show one. */
export function readHostVdso(): VdsoImage | undefined {
  let maps: string;
  try {
    maps = readFileSync('/proc/self/maps', 'utf8');
  } catch {
    return undefined;
  }
  const range = (name: string): [bigint, bigint] | undefined => {
    const line = maps.split('\n').find((l) => l.endsWith(` ${name}`) || l.endsWith(`  ${name}`));
    if (!line) return undefined;
    const [s, e] = line.split(' ')[0]!.split('-').map((x) => BigInt('0x' + x));
    return [s!, e!];
  };
  const vdso = range('[vdso]');
  const vvar = range('[vvar]');
  if (!vdso || !vvar) return undefined;
  const vclock = range('[vvar_vclock]');
  const text = new Uint8Array(Number(vdso[1] - vdso[0]));
  try {
    const fd = openSync('/proc/self/mem', 'r');
    try {
      readSync(fd, text, 0, text.length, vdso[0]);
    } finally {
      closeSync(fd);
    }
  } catch {
    return undefined;
  }
  const vvarSize = Number(vvar[1] - vvar[0]);
  const vclockSize = vclock ? Number(vclock[1] - vclock[0]) : 0;
  return { vvarSize, vclockSize, text, vvar: new Uint8Array(vvarSize), vclock: new Uint8Array(Math.max(vclockSize, PAGE_SIZE)) };
}

/** Maps [vvar], [vvar_vclock] and [vdso] (top-down, as get_unmapped_area places them); returns the vDSO's base, 0 without an image. */
export function mapVdso(space: AddressSpace, image: VdsoImage | undefined): number {
  if (!image) return 0;
  const total = image.vvarSize + image.vclockSize + image.text.length;
  const base = space.mmap({ length: total, prot: PROT_READ, anonymous: true });
  space.mmap({ addr: base, length: image.vvarSize, prot: PROT_READ, fixed: true, backing: image.vvar, name: '[vvar]' });
  if (image.vclockSize) space.mmap({ addr: base + image.vvarSize, length: image.vclockSize, prot: PROT_READ, fixed: true, backing: image.vclock, name: '[vvar_vclock]' });
  const text = base + image.vvarSize + image.vclockSize;
  space.mmap({ addr: text, length: image.text.length, prot: PROT_READ | PROT_EXEC, fixed: true, backing: image.text, name: '[vdso]' });
  return text;
}

/** Writes the current coarse times into the time data page (the kernel does it every tick). */
export function refreshVdsoTime(image: VdsoImage): void {
  const view = new DataView(image.vvar.buffer, image.vvar.byteOffset, PAGE_SIZE);
  const realNs = BigInt(Date.now()) * 1_000_000n;
  const monoNs = process.hrtime.bigint();
  const put = (clock: number, ns: bigint) => {
    view.setBigUint64(BASETIME + 16 * clock, ns / 1_000_000_000n, true);
    view.setBigUint64(BASETIME + 16 * clock + 8, ns % 1_000_000_000n, true);
  };
  put(CLOCK_REALTIME, realNs);
  put(CLOCK_MONOTONIC, monoNs);
  put(CLOCK_REALTIME_COARSE, realNs);
  put(CLOCK_MONOTONIC_COARSE, monoNs);
}

let minSigStack: number | undefined;

/** AT_MINSIGSTKSZ as this host's kernel gives it (sized for the host's xsave area, so at least what a frame needs here). */
export function hostMinSigStackSize(): number {
  if (minSigStack === undefined) {
    minSigStack = 2048; // MINSIGSTKSZ, when the host does not say
    try {
      const auxv = readFileSync('/proc/self/auxv');
      const v = new DataView(auxv.buffer, auxv.byteOffset, auxv.byteLength);
      for (let k = 0; k + 16 <= auxv.length; k += 16) if (v.getBigUint64(k, true) === 51n) minSigStack = Number(v.getBigUint64(k + 8, true));
    } catch {
      // keep the default
    }
  }
  return minSigStack;
}
