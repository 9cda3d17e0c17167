// Node's file-system errors (ENOENT, EISDIR, EACCES, …) as one line, `PATH: reason`, for the CLI.

/** strerror-like reasons for the errors opening or reading a file gives. */
const ERRNO_REASONS: Record<string, string> = {
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a component of the path is not a directory',
  EISDIR: 'is a directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EIO: 'input/output error',
  EMFILE: 'too many open files',
  ENXIO: 'no such device or address',
};

/** `PATH: reason` for a Node file-system error, or undefined when `err` is not one. */
export function fileErrorLine(err: unknown, path?: string): string | undefined {
  const e = err as NodeJS.ErrnoException;
  const reason = e && typeof e.code === 'string' ? ERRNO_REASONS[e.code] : undefined;
  const where = path ?? e?.path;
  return reason && where !== undefined ? `${where}: ${reason}` : undefined;
}

