// get_mempolicy and set_mempolicy on a machine of one memory node (node 0, as this host and picemu's processes have):
// the task's policy as set_mempolicy leaves it (node masks cut to the allowed node, as mpol_set_nodemask does), VMAs
// with the default policy (no mbind), pages on node 0 — with the kernel's checks in order.
import { EFAULT, EINVAL } from '../errno.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyFromUser } from '../user-memory.ts';
import { putUser, StructWriter, ulong } from './helpers.ts';

const MPOL_DEFAULT = 0, MPOL_PREFERRED = 1, MPOL_INTERLEAVE = 3, MPOL_LOCAL = 4, MPOL_WEIGHTED_INTERLEAVE = 6, MPOL_MAX = 7;
const MPOL_F_STATIC_NODES = 1 << 15, MPOL_F_RELATIVE_NODES = 1 << 14, MPOL_F_NUMA_BALANCING = 1 << 13;
const MPOL_MODE_FLAGS = MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES | MPOL_F_NUMA_BALANCING;
const MPOL_BIND = 2, MPOL_PREFERRED_MANY = 5;
const MPOL_F_NODE = 1, MPOL_F_ADDR = 2, MPOL_F_MEMS_ALLOWED = 4;
/** nr_node_ids: one node; MAX_NUMNODES: CONFIG_NODES_SHIFT 10 on Debian's kernels. */
const NR_NODE_IDS = 1, MAX_NUMNODES = 1024;
/** The nodes a task may use (cpuset mems_allowed): node 0. */
const ALLOWED = 1n;
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

/** get_nodes: `maxnode - 1` bits from user memory; bits beyond MAX_NUMNODES must be zero. The mask's first long, or -errno. */
function getNodes(task: Task, va: bigint, maxnodeArg: bigint): bigint | number {
  const maxnode = maxnodeArg - 1n;
  if (maxnode <= 0n || va === 0n) return 0n; // (maxnode 0 wraps to 2^64-1 in the kernel: caught as too large below)
  if (maxnode > BigInt(PAGE_SIZE * 8)) return -EINVAL;
  const bits = Number(maxnode);
  const raw = copyFromUser(task.space, ulong(va), Math.ceil(bits / 64) * 8);
  if (raw.length < Math.ceil(bits / 64) * 8) return -EFAULT;
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const word = (k: number) => view.getBigUint64(8 * k, true);
  // Only the bits below `bits` count; those at MAX_NUMNODES and above must be clear.
  for (let bit = MAX_NUMNODES; bit < bits; bit += 64 - (bit % 64)) {
    const k = Math.floor(bit / 64);
    const lo = bit % 64, hi = Math.min(64, bits - k * 64);
    const mask = ((1n << BigInt(hi)) - 1n) & ~((1n << BigInt(lo)) - 1n);
    if (word(k) & mask) return -EINVAL;
  }
  // Nodes 1..1023 exist in no mask here but may be named: kept only to be cut by the allowed set.
  let nodes = 0n;
  for (let k = 0; k * 64 < Math.min(bits, MAX_NUMNODES); k++) {
    const n = Math.min(64, Math.min(bits, MAX_NUMNODES) - k * 64);
    nodes |= (word(k) & ((1n << BigInt(n)) - 1n)) << BigInt(64 * k);
  }
  return nodes;
}

function setMempolicy(task: Task, [modeArg, nmask, maxnode]: readonly bigint[]): SyscallResult {
  const raw = Number(BigInt.asIntN(32, modeArg!));
  const flags = raw & MPOL_MODE_FLAGS;
  const mode = raw & ~MPOL_MODE_FLAGS;
  // sanitize_mpol_flags
  if (mode >>> 0 >= MPOL_MAX) return -EINVAL;
  if (flags & MPOL_F_STATIC_NODES && flags & MPOL_F_RELATIVE_NODES) return -EINVAL;
  if (flags & MPOL_F_NUMA_BALANCING && mode !== MPOL_BIND && mode !== MPOL_PREFERRED_MANY) return -EINVAL;
  if (maxnode === 0n && nmask) return -EINVAL; // get_nodes' --maxnode wraps past PAGE_SIZE * 8
  const nodes = getNodes(task, nmask!, maxnode!);
  if (typeof nodes === 'number') return nodes;
  // mpol_new
  let m = mode;
  if (m === MPOL_DEFAULT) {
    if (nodes) return -EINVAL;
    task.mempolicy = null;
    return 0;
  }
  if (m === MPOL_PREFERRED && !nodes) {
    if (flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) return -EINVAL;
    m = MPOL_LOCAL;
  } else if (m === MPOL_LOCAL) {
    if (nodes || flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES)) return -EINVAL;
  } else if (!nodes) return -EINVAL;
  // mpol_set_nodemask: the nodes cut to the allowed ones (relative nodes fold onto them); none left is EINVAL.
  let effective = 0n;
  if (m !== MPOL_LOCAL) {
    effective = flags & MPOL_F_RELATIVE_NODES ? ALLOWED : nodes & ALLOWED;
    if (!effective) return -EINVAL;
  }
  task.mempolicy = { mode: m, flags, nodes: flags & (MPOL_F_STATIC_NODES | MPOL_F_RELATIVE_NODES) ? nodes : effective };
  return 0;
}

function getMempolicy(task: Task, [policyVa, nmaskVa, maxnode, addr, flagsArg]: readonly bigint[]): SyscallResult {
  if (nmaskVa && maxnode! < BigInt(NR_NODE_IDS)) return -EINVAL;
  const flags = flagsArg!;
  if (flags & ~BigInt(MPOL_F_NODE | MPOL_F_ADDR | MPOL_F_MEMS_ALLOWED)) return -EINVAL;
  let policy = MPOL_DEFAULT;
  let nodes = 0n;
  if (flags & BigInt(MPOL_F_MEMS_ALLOWED)) {
    if (flags & BigInt(MPOL_F_NODE | MPOL_F_ADDR)) return -EINVAL;
    nodes = ALLOWED;
  } else {
    // The task's policy, or with MPOL_F_ADDR the VMA's (always the default: picemu has no mbind).
    let pol = task.mempolicy;
    if (flags & BigInt(MPOL_F_ADDR)) {
      if (!task.space.vmaAt(ulong(addr!))) return -EFAULT;
      pol = null;
    } else if (addr) return -EINVAL;
    if (flags & BigInt(MPOL_F_NODE)) {
      // The node of the page at addr, or an interleave policy's next node: node 0 either way.
      const interleaves = pol && (pol.mode === MPOL_INTERLEAVE || pol.mode === MPOL_WEIGHTED_INTERLEAVE);
      if (!(flags & BigInt(MPOL_F_ADDR)) && !interleaves) return -EINVAL;
      policy = 0;
    } else if (pol) policy = pol.mode | pol.flags;
    if (pol && pol.mode !== MPOL_LOCAL) nodes = pol.nodes;
  }
  if (policyVa && putUser(task, policyVa, new StructWriter(4).u32(0, policy).bytes) < 0) return -EFAULT;
  return nmaskVa ? copyNodes(task, nmaskVa, maxnode!, nodes) : 0;
}

defineSyscalls([
  { nr: 239, name: 'get_mempolicy', args: ['ptr', 'ptr', 'uint', 'hex', 'hex'], handler: (t, a) => getMempolicy(t, a) },
  { nr: 238, name: 'set_mempolicy', args: ['int', 'ptr', 'uint'], handler: (t, a) => setMempolicy(t, a) },
]);
