// prctl: the options programs here use — the thread's name (PR_SET_NAME/PR_GET_NAME, shown in /proc/PID/comm and
// task/TID/comm), the parent-death signal, dumpable, no_new_privs, and reading the capability bounding set (the
// one picemu's own process has) — with sys_prctl's argument checks. Other options are EINVAL, as unknown ones are.
import { EFAULT, EINVAL } from '../errno.ts';
import { hostIdentity } from '../procfs/host-identity.ts';
import { NSIG } from '../signal-state.ts';
import { defineSyscalls, type SyscallResult } from '../syscall-table.ts';
import type { Task } from '../task.ts';
import { copyFromUser } from '../user-memory.ts';
import { putUser, StructWriter, ulong } from './helpers.ts';

const PR_SET_PDEATHSIG = 1, PR_GET_PDEATHSIG = 2, PR_GET_DUMPABLE = 3, PR_SET_DUMPABLE = 4, PR_SET_NAME = 15, PR_GET_NAME = 16;
const PR_CAPBSET_READ = 23, PR_SET_NO_NEW_PRIVS = 38, PR_GET_NO_NEW_PRIVS = 39;
/** TASK_COMM_LEN: 15 bytes and a NUL. */
const TASK_COMM_LEN = 16;
/** CAP_LAST_CAP of this kernel (CAP_CHECKPOINT_RESTORE). */
const CAP_LAST_CAP = 40;

/** The capability bounding set picemu's process has (status CapBnd): a new process inherits it. */
function boundingSet(): bigint {
  return BigInt('0x' + (hostIdentity().lines.get('CapBnd') ?? '0'));
}

function prctl(task: Task, [optionArg, a2, a3, a4, a5]: readonly bigint[]): SyscallResult {
  const option = Number(BigInt.asIntN(32, optionArg!));
  switch (option) {
    case PR_SET_NAME: {
      // strncpy_from_user of at most 15 bytes: a longer name is cut; a fault before its NUL or 15th byte is EFAULT.
      const bytes = copyFromUser(task.space, ulong(a2!), TASK_COMM_LEN - 1);
      const nul = bytes.indexOf(0);
      if (nul < 0 && bytes.length < TASK_COMM_LEN - 1) return -EFAULT;
      task.comm = Buffer.from(nul < 0 ? bytes : bytes.subarray(0, nul)).toString('latin1');
      return 0;
    }
    case PR_GET_NAME: {
      const out = new Uint8Array(TASK_COMM_LEN);
      out.set(Buffer.from(task.comm, 'latin1').subarray(0, TASK_COMM_LEN - 1));
      return putUser(task, a2!, out);
    }
    case PR_SET_PDEATHSIG: {
      const sig = a2!;
      if (sig > BigInt(NSIG)) return -EINVAL; // !valid_signal
      task.pdeathSignal = Number(sig);
      return 0;
    }
    case PR_GET_PDEATHSIG:
      return putUser(task, a2!, new StructWriter(4).u32(0, task.pdeathSignal).bytes);
    case PR_GET_DUMPABLE:
      return task.mm.dumpable;
    case PR_SET_DUMPABLE:
      if (a2 !== 0n && a2 !== 1n) return -EINVAL; // SUID_DUMP_DISABLE or SUID_DUMP_USER only
      task.mm.dumpable = Number(a2);
      return 0;
    case PR_CAPBSET_READ:
      if (a2! > BigInt(CAP_LAST_CAP)) return -EINVAL; // !cap_valid
      return (boundingSet() >> a2!) & 1n ? 1 : 0;
    case PR_SET_NO_NEW_PRIVS:
      if (a2 !== 1n || a3 || a4 || a5) return -EINVAL;
      task.noNewPrivs = true;
      return 0;
    case PR_GET_NO_NEW_PRIVS:
      if (a2 || a3 || a4 || a5) return -EINVAL;
      return task.noNewPrivs ? 1 : 0;
    default:
      return -EINVAL;
  }
}

defineSyscalls([{ nr: 157, name: 'prctl', args: ['int', 'hex', 'hex', 'hex', 'hex'], handler: (t, a) => prctl(t, a) }]);
