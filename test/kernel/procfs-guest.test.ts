// /proc as a program exec'ed in picemu reads it, against the same program run natively: cmdline and exe are
// the same bytes; status has the kernel's lines in the kernel's order and spacing; stat has 52 fields; auxv
// starts with the same entry type; the CPU list in /sys agrees with the CPUs the guest may run on (nproc).
import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { GUEST_ENV, runGuest } from '../helpers/guest.ts';

const env = Object.fromEntries(GUEST_ENV.map((e) => e.split('=') as [string, string]));
const native = (argv: string[]) => spawnSync(argv[0]!, argv.slice(1), { encoding: 'latin1', env }).stdout;
const guest = (argv: string[]) => {
  const g = runGuest(argv[0]!, argv);
  expect(g.stderr).toBe('');
  return Buffer.from(g.stdout, 'utf8').toString('latin1');
};
/** A status line's shape: label and spacing, numbers and masks replaced (a padded "%8lu kB" keeps its width). */
const shape = (l: string) => l.replace(/^(\w+:\t) *\d+ kB$/, (_m, label: string) => `${label}[8] kB`).replace(/[0-9a-f]{16}/g, 'H').replace(/\d+/g, 'N');

describe('/proc read by a guest program', () => {
  it('cmdline and exe', () => {
    for (const argv of [['/usr/bin/cat', '/proc/self/cmdline'], ['/usr/bin/readlink', '/proc/self/exe']]) {
      expect(guest(argv), argv.join(' ')).toBe(native(argv));
    }
  });

  it('status: the kernel\'s lines, order and spacing; stat: 52 fields', () => {
    // Cpus_allowed and Mems_allowed depend on the machine; Groups on the credentials the host process has.
    const lines = (s: string) => s.trimEnd().split('\n').filter((l) => !/^(Cpus_allowed|Mems_allowed|Groups)/.test(l)).map(shape);
    expect(lines(guest(['/usr/bin/cat', '/proc/self/status']))).toEqual(lines(native(['/usr/bin/cat', '/proc/self/status'])));
    const stat = guest(['/usr/bin/cat', '/proc/self/stat']).trim().split(' ');
    expect(stat).toHaveLength(native(['/usr/bin/cat', '/proc/self/stat']).trim().split(' ').length);
    expect(stat[1]).toBe('(cat)');
  });

  it('auxv starts with AT_SYSINFO_EHDR (the vDSO), as the kernel lays it out', () => {
    const first = (b: string) => Buffer.from(b, 'latin1').readBigUInt64LE(0);
    expect(first(guest(['/usr/bin/head', '-c', '16', '/proc/self/auxv']))).toBe(first(native(['/usr/bin/head', '-c', '16', '/proc/self/auxv'])));
  });

  it('/sys/devices/system/cpu/online lists the CPUs sched_getaffinity gives (nproc)', () => {
    const n = Number(guest(['/usr/bin/nproc']).trim());
    expect(guest(['/usr/bin/cat', '/sys/devices/system/cpu/online'])).toBe(n === 1 ? '0\n' : `0-${n - 1}\n`);
  });
});
