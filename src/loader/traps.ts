// Trap addresses for undefined functions: each (symbol, requester) gets an address in a range no mapping can
// ever occupy (from 2^47, past the top of user space), so a call faults there with 'unmapped' and the process
// layer can name the symbol: `unresolved symbol NAME (needed by LIB)`.
import type { VirtAddr } from '../mm/index.ts';
import type { UnresolvedSymbol } from './types.ts';

/** The first trap address: 2^47, above TASK_SIZE; never mapped (a real CPU would fault there too). */
export const TRAP_BASE = 0x800000000000;
const TRAP_STRIDE = 16;

export class TrapTable {
  private readonly byKey = new Map<string, UnresolvedSymbol>();
  private readonly byAddress = new Map<VirtAddr, UnresolvedSymbol>();

  /** The trap address for `name` needed by `neededBy` (the same address every time for the same pair). */
  bind(name: string, neededBy: string): VirtAddr {
    const key = `${name}\0${neededBy}`;
    let entry = this.byKey.get(key);
    if (!entry) {
      entry = { address: TRAP_BASE + this.byKey.size * TRAP_STRIDE, name, neededBy };
      this.byKey.set(key, entry);
      this.byAddress.set(entry.address, entry);
    }
    return entry.address;
  }

  /** The unresolved symbol whose trap is at `address`, if any. */
  at(address: VirtAddr): UnresolvedSymbol | undefined {
    return this.byAddress.get(address);
  }

  /** The message a call to the trap at `address` faults with. */
  message(address: VirtAddr): string | undefined {
    const e = this.at(address);
    return e && `unresolved symbol ${e.name} (needed by ${e.neededBy})`;
  }

  all(): UnresolvedSymbol[] {
    return [...this.byAddress.values()];
  }
}
