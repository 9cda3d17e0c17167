// The gdb server: a TCP listener on 127.0.0.1 that serves one client at a time over a DebugTarget; when the
// client goes, the processes stay as they are and the next client may connect.
import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import type { Machine } from '../index.ts';
import { GdbSession, type SessionOptions } from './session.ts';
import { DebugTarget } from './target.ts';

/** How long a new client waits for the previous one's connection to finish closing before it is refused. */
const RECONNECT_GRACE_MS = 250;

export interface GdbServerOptions extends SessionOptions {
  /** 0 picks a free port. */
  port: number;
  /** Told when a client connects or leaves. */
  onClient?: (event: 'connected' | 'disconnected', peer: string) => void;
}

export interface RunningGdbServer {
  server: Server;
  port: number;
  target: DebugTarget;
  close(): Promise<void>;
}

export async function startGdbServer(machine: Machine, options: GdbServerOptions): Promise<RunningGdbServer> {
  const target = new DebugTarget(machine);
  let busy = false;
  const sockets = new Set<Socket>();
  const accept = (socket: Socket): void => {
    const peer = `${socket.remoteAddress}:${socket.remotePort}`;
    busy = true;
    socket.setNoDelay(true);
    options.onClient?.('connected', peer);
    new GdbSession(socket, target, options);
    socket.on('close', () => {
      busy = false;
      options.onClient?.('disconnected', peer);
    });
  };
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    if (!busy) return accept(socket);
    // One debugger at a time, as gdbserver; a client reconnecting may arrive before its old socket's close.
    setTimeout(() => (busy ? socket.destroy() : accept(socket)), RECONNECT_GRACE_MS);
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;
  return {
    server,
    port,
    target,
    close: () => new Promise((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    }),
  };
}
