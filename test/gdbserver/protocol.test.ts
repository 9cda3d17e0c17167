// The remote protocol at the byte level: malformed, unknown and hostile packets get E01 or the empty reply
// (never a crash or a hang); Ctrl-C stops a long continue; a client that leaves mid-run leaves the server
// ready for the next one, the processes intact; the server listens on the loopback address only.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { Machine } from '../../src/index.ts';
import { startGdbServer, type RunningGdbServer } from '../../src/gdbserver/server.ts';
import { checksum } from '../../src/gdbserver/packets.ts';
import { ProgramProcess } from '../../src/gdbserver/program.ts';
import { repoRoot } from '../helpers/oracles.ts';
import { PROT_READ } from '../../src/mm/index.ts';

const LIB = join(repoRoot, 'fixtures/libdemo.so');

/** A minimal RSP client: sends packets, collects reply payloads (acks are skipped). */
class Client {
  private buffer = '';
  private waiters: (() => void)[] = [];
  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buffer += d.toString('latin1');
      for (const w of this.waiters.splice(0)) w();
    });
  }

  static open(port: number): Promise<Client> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new Client(s)));
      s.once('error', reject);
    });
  }

  sendRaw(bytes: string): void {
    this.socket.write(Buffer.from(bytes, 'latin1'));
  }

  send(payload: string): void {
    this.sendRaw(`$${payload}#${checksum(Buffer.from(payload, 'latin1')).toString(16).padStart(2, '0')}`);
  }

  /** The next reply packet's payload (O packets too), within `ms`. */
  async reply(ms = 5000): Promise<string> {
    const deadline = Date.now() + ms;
    for (;;) {
      this.buffer = this.buffer.replace(/^[+-]+/, '');
      const m = /^\$([^#]*)#([0-9a-f]{2})/.exec(this.buffer);
      if (m) {
        this.buffer = this.buffer.slice(m[0].length);
        expect(parseInt(m[2]!, 16)).toBe(checksum(Buffer.from(m[1]!, 'latin1')));
        return m[1]!;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no reply within ${ms} ms (buffer: ${JSON.stringify(this.buffer.slice(0, 200))})`);
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, left);
        this.waiters.push(() => { clearTimeout(t); resolve(); });
      });
    }
  }

  /** Sends and returns the reply (skipping console output packets). */
  async ask(payload: string): Promise<string> {
    this.send(payload);
    for (;;) {
      const r = await this.reply();
      if (!(r.startsWith('O') && r.length > 1 && /^O[0-9a-f]+$/.test(r))) return r;
    }
  }

  close(): void {
    this.socket.destroy();
  }
}

const hexText = (s: string) => Buffer.from(s).toString('hex');

describe('gdbserver protocol robustness', () => {
  let machine: Machine;
  let server: RunningGdbServer;

  beforeAll(async () => {
    machine = await Machine.create();
    for (let k = 0; k < 2; k++) machine.spawn().load(LIB);
    server = await startGdbServer(machine, { port: 0, calls: true });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('listens on 127.0.0.1 only', () => {
    expect((server.server.address() as { address: string }).address).toBe('127.0.0.1');
  });

  it('answers malformed and unknown packets with E01 or the empty reply', async () => {
    const c = await Client.open(server.port);
    try {
      c.sendRaw('garbage bytes\x7f\xff');
      expect(await c.ask('?')).toMatch(/^T05thread:p1\.1;/);
      c.sendRaw('$g#00'); // wrong checksum: a nack, no reply
      expect(await c.ask('qFooBar')).toBe('');
      const cases: [string, string | RegExp][] = [
        ['mzz,4', 'E01'], ['m0,4', 'E01'], ['mffffffffffffffff,10', 'E01'], ['m1', 'E01'],
        ['M0,4:00', 'E01'], ['M0,1:zz', 'E01'], ['X0,4:ab', 'E01'],
        ['pff', 'E01'], ['pzz', 'E01'], ['P0=zz', 'E01'], ['P0=00', 'E01'],
        ['Z0,0,1', 'E01'], ['Z0,zz,1', 'E01'], ['Z9,1000,1', ''], ['Z2,1000,0', 'E01'],
        ['vCont;x', 'E01'], ['vCont;c:pzz.1', 'E01'], ['Hgp99.99', 'E01'], ['Hq1', 'E01'], ['Tp99.99', 'E01'],
        ['qXfer:nosuch:read::0,10', ''], ['qXfer:features:read:other.xml:0,10', 'E01'], ['qXfer:features:read:target.xml:zz', 'E01'],
        ['qRcmd,zz', 'E01'], ['vFile:open:zz,0,0', 'F-1,16'], ['vFile:pread:77,10,0', 'F-1,9'], ['vFile:open:' + hexText('/etc/passwd') + ',1,0', 'F-1,1e'],
        ['vFile:open:' + hexText('/proc/1/environ') + ',0,0', 'F-1,2'], ['vRun;00', ''], ['vKill;99', 'E01'], ['D;99', 'E01'],
        ['qThreadExtraInfo,p99.99', 'E01'],
      ];
      for (const [packet, want] of cases) {
        const got = await c.ask(packet);
        if (typeof want === 'string') expect(got, packet).toBe(want);
        else expect(got, packet).toMatch(want);
      }
      // A packet longer than PacketSize is dropped; the next one is answered.
      c.send('m' + '0'.repeat(0x5000));
      expect(await c.ask('qC')).toBe('QCp1.1');
      // Memory reads stop at the end of the mapping: a read across it returns the mapped part.
      const p1 = machine.processes[0]!;
      const end = p1.stackTop;
      expect(await c.ask(`m${(end - 4).toString(16)},10`)).toHaveLength(8);
      // The target description is served in parts.
      const first = await c.ask('qXfer:features:read:target.xml:0,40');
      expect(first).toMatch(/^m<\?xml/);
      expect(await c.ask('qXfer:features:read:target.xml:100000,40')).toBe('l');
    } finally {
      c.close();
    }
  });

  it('Ctrl-C stops a long continue with SIGINT; a client that leaves mid-run leaves the server ready', async () => {
    const p1 = machine.processes[0]!;
    let c = await Client.open(server.port);
    // crc32 of 1 GiB of never-written (zero) memory, bit by bit: tens of billions of instructions, seconds even
    // at the region compiler's speed, so the continue is still running when Ctrl-C comes.
    const big = p1.space.mmap({ length: 1 << 30, prot: PROT_READ });
    const cmd = `call crc32_bitwise ${big} ${1 << 30}`;
    expect(Buffer.from((await c.ask('qRcmd,' + hexText(cmd))), 'latin1').toString()).toBe('OK');
    expect(await c.ask('vCont;c')).toMatch(/^T05thread:p1\.1;library:;$/); // the first resume: the library event
    c.send('vCont;c');
    await new Promise((r) => setTimeout(r, 300));
    c.sendRaw('\x03');
    expect(await c.reply()).toMatch(/^T02thread:p1\.1;$/);
    expect(p1.activeCall?.name).toBe('crc32_bitwise');
    // Leave in the middle of the next continue.
    c.send('vCont;c');
    await new Promise((r) => setTimeout(r, 200));
    c.close();
    await new Promise((r) => setTimeout(r, 300));
    c = await Client.open(server.port);
    try {
      expect(await c.ask('qC')).toBe('QCp1.1');
      expect(p1.activeCall?.name).toBe('crc32_bitwise'); // still in the call, stopped where the client left it
      expect(p1.cpu.rip).not.toBe(0);
      // The new client may end the call; the process stays, idle.
      expect(await c.ask('vKill;1')).toBe('OK');
      expect(p1.activeCall).toBeUndefined();
    } finally {
      c.close();
    }
  });

  it('a fault stops with its signal: SIGSEGV as T0b, SIGFPE as T08, SIGILL as T04', async () => {
    const c = await Client.open(server.port);
    try {
      for (const [fn, sig] of [['null_deref', '0b'], ['divide_by_zero 7', '08'], ['trap_ud2', '04'], ['write_own_code', '0b']] as const) {
        expect(await c.ask('qRcmd,' + hexText(`call ${fn}`))).toBe('OK');
        let r = await c.ask('vCont;c:p1.-1');
        if (r.includes('library:')) r = await c.ask('vCont;c:p1.-1');
        expect(r, fn).toBe(`T${sig}thread:p1.1;`);
        expect(machine.processes[0]!.activeCall, `${fn}: the call ended`).toBeUndefined();
      }
    } finally {
      c.close();
    }
  });

  it('a second client is refused while one is connected', async () => {
    const a = await Client.open(server.port);
    try {
      expect(await a.ask('qC')).toBe('QCp1.1');
      const b = await Client.open(server.port);
      const closed = await new Promise<boolean>((resolve) => {
        b.socket.once('close', () => resolve(true));
        setTimeout(() => resolve(false), 2000);
      });
      expect(closed).toBe(true);
      expect(await a.ask('qC')).toBe('QCp1.1');
    } finally {
      a.close();
    }
  });
});

describe('gdbserver --exec protocol: threads, signals and bad input', () => {
  let server: RunningGdbServer;

  beforeAll(async () => {
    const machine = await Machine.create();
    const started = machine.exec('/bin/true', { argv: ['true'], env: [], stdio: {} });
    if (typeof started === 'number') throw new Error(`exec /bin/true: ${started}`);
    server = await startGdbServer(machine, { port: 0, calls: false, program: new ProgramProcess(machine.kernel, started.task) });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('answers thread, signal and event packets; malformed ones get E01', async () => {
    const c = await Client.open(server.port);
    const pid = server.target.list()[0]!.pid.toString(16);
    expect(await c.ask('qSupported:multiprocess+;fork-events+;vfork-events+;exec-events+')).toMatch(/fork-events\+;vfork-events\+;exec-events\+;/);
    expect(await c.ask('qfThreadInfo')).toBe(`mp${pid}.${pid}`);
    expect(await c.ask('qXfer:threads:read::0,fff')).toBe(`l<?xml version="1.0"?>\n<threads>\n<thread id="p${pid}.${pid}" core="0" name="true"/>\n</threads>\n`);
    expect(await c.ask(`Tp${pid}.${pid}`)).toBe('OK');
    expect(await c.ask(`Tp${pid}.99`)).toBe('E01');
    expect(await c.ask(`Hgp${pid}.99`)).toBe('E01');
    expect(await c.ask('QPassSignals:zz')).toBe('E01');
    expect(await c.ask('QPassSignals:e;1e')).toBe('OK');
    expect(await c.ask('Czz')).toBe('E01');
    expect(await c.ask('vCont;Cq:p1.1')).toBe('E01');
    // SIGUSR1 (gdb's 0x1e, Linux's 10) given to a program with no handler for it: killed by it, as natively.
    expect(await c.ask(`vCont;C1e:p${pid}.${pid}`)).toBe(`X1e;process:${pid}`);
    c.close();
  });
});
