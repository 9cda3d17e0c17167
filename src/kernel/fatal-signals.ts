// The parts of a guest fault that decide its signal (signals/delivery.ts delivers it: a handler, or the default
// action).

/** The parts of a fault that decide its signal (a GuestFault has them all). */
export interface FaultSignal {
  signal: number;
  code: number;
  address?: number;
  rip: number;
  instruction: string;
  kind: string;
  message?: string;
}
