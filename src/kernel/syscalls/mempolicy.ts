// get_mempolicy on a machine of one memory node (node 0, as this host and picemu's processes have): every task and
// VMA has the default policy (MPOL_DEFAULT, an empty node mask), pages are on node 0, and node 0 is allowed —
// with kernel_get_mempolicy's and do_get_mempolicy's checks in order.
import { EFAULT, EINVAL } from '../errno.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { putUser, StructWriter, ulong } from './helpers.ts';

const MPOL_DEFAULT = 0;
const MPOL_F_NODE = 1, MPOL_F_ADDR = 2, MPOL_F_MEMS_ALLOWED = 4;
/** nr_node_ids: one node. */
const NR_NODE_IDS = 1;
const PAGE_SIZE = 4096;

/** copy_nodes_to_user: `maxnode` bits of node mask (the first long holds node 0), the rest cleared. */
function copyNodes(task: Task, va: bigint, maxnode: bigint, nodes: bigint): number {
  let copy = Number(((maxnode - 1n + 63n) & ~63n) / 8n);
  const nbytes = 8; // BITS_TO_LONGS(nr_node_ids) longs
  if (copy > nbytes) {
    if (copy > PAGE_SIZE) return -EINVAL;
    if (putUser(task, ulong(va) + nbytes, new Uint8Array(copy - nbytes)) < 0) return -EFAULT;
    copy = nbytes;
  }
  if (copy === 0) return 0;
  return putUser(task, va, new StructWriter(8).u64(0, nodes).bytes.subarray(0, copy));
}

function getMempolicy(task: Task, [policyVa, nmaskVa, maxnode, addr, flagsArg]: readonly bigint[]): SyscallResult {
  if (nmaskVa && maxnode! < BigInt(NR_NODE_IDS)) return -EINVAL;
  const flags = flagsArg!;
  if (flags & ~BigInt(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) return -EINVAL;
  let policy = MPOL_DEFAULT;
  let nodes = 0n;
  if (flags & BigInt(MPOL_F_MEMS_ALLOWED)) {
    if (flags & BigInt(MPOL_F_NODE | MPOL_F_ADDR)) return -EINVAL;
    nodes = 1n; // cpuset's mems_allowed: node 0
  } else {
    if (flags & BigInt(MPOL_F_ADDR)) {
      if (!task.space.vmaAt(ulong(addr!))) return -EFAULT;
    } else if (addr) return -EINVAL;
    if (flags & BigInt(MPOL_F_NODE)) {
      // The node of the page at addr (node 0); without MPOL_F_ADDR only an interleave policy has a "next node".
      if (!(flags & BigInt(MPOL_F_ADDR))) return -EINVAL;
      policy = 0;
    }
  }
  if (policyVa && putUser(task, policyVa, new StructWriter(4).u32(0, policy).bytes) < 0) return -EFAULT;
  return nmaskVa ? copyNodes(task, nmaskVa, maxnode!, nodes) : 0;
}

defineSyscalls([{ nr: 239, name: 'get_mempolicy', args: ['ptr', 'ptr', 'uint', 'hex', 'hex'], handler: (t, a) => getMempolicy(t, a) }]);
