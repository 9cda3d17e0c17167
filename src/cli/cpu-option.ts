// The `--cpu` option shared by demo, run, repl (and exec): its spec, help and parse, in one place.
import { DEFAULT_PROFILE, PROFILE_NAMES, type ProfileName } from '../cpu/features.ts';
import { UsageError } from './errors.ts';
import { optionValue, type OptionSpec, type ParsedOptions } from './options.ts';

export const CPU_OPTION: OptionSpec = {
  name: '--cpu',
  value: 'PROFILE',
  help:
    `the CPU profile (cpuid, which instructions exist): ${PROFILE_NAMES.join(', ')}. Default ${DEFAULT_PROFILE}: ` +
    'nearly every x86-64 machine in use today has at least x86-64-v3 (AVX2, FMA, BMI2), so glibc picks the same ' +
    "_avx2 string functions it picks on yours, independent of the machine picemu runs on ('host' is)",
};

/** Parses the value of `--cpu`; a bad name is a usage error. */
export function parseCpuOption(text: string | undefined): ProfileName {
  if (!PROFILE_NAMES.includes(text as ProfileName)) throw new UsageError(`--cpu: bad profile '${text ?? ''}' (want one of ${PROFILE_NAMES.join(', ')})`);
  return text as ProfileName;
}

/** `--cpu` from parsed options, or undefined (the default profile) when absent. */
export function cpuOption(p: ParsedOptions): ProfileName | undefined {
  const text = optionValue(p, '--cpu');
  return text === undefined ? undefined : parseCpuOption(text);
}
