// Errors mmap/munmap/mprotect report, named by the errno the kernel would return.

export type MmErrno = 'EINVAL' | 'ENOMEM' | 'EEXIST' | 'EACCES' | 'EPERM';

export class MmError extends Error {
  override name = 'MmError';
  constructor(
    readonly code: MmErrno,
    message: string,
  ) {
    super(`${code}: ${message}`);
  }
}
