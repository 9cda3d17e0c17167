// Every exported fixture function and some of zlib, bzip2, expat, sqlite3, libc, libm (libc loaded as a
// DT_NEEDED dependency, its initializers skipped) return in two processes what a native dlopen+call returns;
// faulting functions stop with the kernel's signal. The suites are shared with the unicorn engine's.
import { describeNativeCalls, describeNativeFaults } from '../helpers/call-suites.ts';

describeNativeCalls('calls match a native dlopen+call in both processes', 'picemu');
describeNativeFaults('faults match the signal the kernel delivers', 'picemu');
