// What getxattr and listxattr find on a file, as far as picemu can honestly learn it. Node has no xattr call, so the
// answer comes from the file system type of the host mount holding the file (/proc/self/mountinfo) and the kernel's
// rules: xattr_permission first (user.* only on regular files and directories, ENODATA on others), then the file
// system's handlers by name prefix (none: EOPNOTSUPP; one: the file has no such attribute, ENODATA). A file that
// does carry attributes (file capabilities, ACLs, labels) is shown without them: that is the limit of this view.
import { EACCES, ENODATA, EOPNOTSUPP } from '../errno.ts';
import { S_IFDIR, S_IFMT, S_IFREG, type FileStat } from './file.ts';
import { hostMountOf } from './statfs.ts';

type Namespace = 'security' | 'system.posix_acl' | 'trusted' | 'user';

const ALL: readonly Namespace[] = ['security', 'system.posix_acl', 'trusted', 'user'];

/** The name prefixes each file system type has handlers for (its sb->s_xattr); types not listed have all four. */
const HANDLERS: Record<string, readonly Namespace[]> = {
  proc: [], devpts: [], pipefs: [], anon_inodefs: [], sockfs: [], mqueue: [], binfmt_misc: [], debugfs: [], tracefs: [], configfs: [],
  // kernfs: security, trusted and user; no POSIX ACLs.
  sysfs: ['security', 'trusted', 'user'], cgroup: ['security', 'trusted', 'user'], cgroup2: ['security', 'trusted', 'user'],
};

function namespaceOf(name: string): Namespace | undefined {
  if (name.startsWith('security.')) return 'security';
  if (name === 'system.posix_acl_access' || name === 'system.posix_acl_default') return 'system.posix_acl';
  if (name.startsWith('trusted.')) return 'trusted';
  if (name.startsWith('user.')) return 'user';
  return undefined;
}

/** The file system type a path lies on: the host mount's; descriptors without a path (pipe:[N]...) their pseudo file system. */
export function fsTypeOf(path: string): string {
  if (path.startsWith('pipe:')) return 'pipefs';
  if (path.startsWith('socket:')) return 'sockfs';
  if (path.startsWith('anon_inode:')) return 'anon_inodefs';
  return hostMountOf(path)?.type ?? 'ext4';
}

/** inode_permission(MAY_READ) by the mode bits (root passes). */
function mayRead(st: FileStat, cred: { euid: number; egid: number; groups: number[] }): boolean {
  if (cred.euid === 0) return true;
  const bit = cred.euid === st.uid ? 0o400 : cred.egid === st.gid || cred.groups.includes(st.gid) ? 0o040 : 0o004;
  return (st.mode & bit) !== 0;
}

/** vfs_getxattr of `name` on a file with no attributes: the -errno (never a value). */
export function getxattrErrno(fsType: string, st: FileStat, name: string, cred: { euid: number; egid: number; groups: number[] }): number {
  const ns = namespaceOf(name);
  const type = st.mode & S_IFMT;
  // xattr_permission
  if (ns === 'trusted' && cred.euid !== 0) return -ENODATA;
  if (ns === 'user' && type !== S_IFREG && type !== S_IFDIR) return -ENODATA;
  if ((ns === 'user' || ns === undefined) && !mayRead(st, cred)) return -EACCES;
  // xattr_resolve_name: a handler for the prefix, or EOPNOTSUPP
  const handlers = HANDLERS[fsType] ?? ALL;
  if (ns === undefined || !handlers.includes(ns)) return -EOPNOTSUPP;
  return -ENODATA;
}
