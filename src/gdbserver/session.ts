// One gdb connection: reads packets, answers each (registers, memory, breakpoints, resume, qXfer, monitor),
// and sends stop replies. Malformed or unknown packets get `E01` or the empty reply; nothing a client sends
// throws out of here. The processes belong to the server and outlive the connection.
import type { Socket } from 'node:net';
import { CallError, Process } from '../index.ts';
import { ProgramProcess } from './program.ts';
import { librariesSvr4Xml } from './libraries.ts';
import { programMonitor, runMonitor } from './monitor.ts';
import { bytesOfHex, escapeBinary, frame, hexOf, MAX_PACKET, PacketReader, parseHex, textHex, unescapeBinary, type Incoming } from './packets.ts';
import { GDB_REGISTERS, gPacketBytes, registerHex, registerValue, writeGdbRegister } from './registers.ts';
import { targetXml } from './target-description.ts';
import { HostIo } from './vfile.ts';
import { gdbSignal, hostSignal } from './signals.ts';
import type { DebugTarget, Stop, WatchKind } from './target.ts';

export interface SessionOptions {
  /** Library mode: `monitor call` starts calls. */
  calls: boolean;
  /** Logs each packet exchanged (for --debug). */
  log?: (line: string) => void;
}

const PAGE = 4096;
const ERROR = 'E01';
const WATCH_KINDS: Record<string, WatchKind> = { '2': 'watch', '3': 'rwatch', '4': 'awatch' };

/**
 * A thread id as the client writes it: `pP.T`, `pP` (`pP.-1`: all its threads), `P`, `-1` (all) or `0` (any);
 * `tid` is given only for one particular thread of a process.
 */
function parseThreadId(text: string): { pid: number | 'all' | 'any'; tid?: number } | undefined {
  const m = /^(?:p(-1|[0-9a-fA-F]+)(?:\.(-1|[0-9a-fA-F]+))?|(-1|[0-9a-fA-F]+))$/.exec(text);
  if (!m) return undefined;
  const id = m[1] ?? m[3]!;
  if (id === '-1') return { pid: 'all' };
  const n = parseInt(id, 16);
  const tid = m[2] === undefined || m[2] === '-1' ? undefined : parseInt(m[2], 16);
  return n === 0 ? { pid: 'any' } : tid === undefined || tid === 0 ? { pid: n } : { pid: n, tid };
}

/**
 * The signal of `C sig[;addr]`, `vCont;Csig`: gdb's number on the wire (two hex digits), Linux's here (0 when Linux
 * has none); undefined when malformed.
 */
function signalArg(text: string): number | undefined {
  if (!/^[0-9a-fA-F]{2}(;|$)/.test(text)) return undefined;
  return hostSignal(parseInt(text.slice(0, 2), 16)) ?? 0;
}

/** One process's part of a resume: continue or step, with the signal to deliver. */
interface ResumeAction {
  action: 'c' | 's';
  pid: number;
  signal?: number;
}

const threadId = (pid: number, tid = pid): string => `p${pid.toString(16)}.${tid.toString(16)}`;

/** The stop reply's part naming a fork, vfork, vfork-done or exec event. */
function eventPart(reason: NonNullable<Stop['reason']>): string | undefined {
  switch (reason.kind) {
    case 'fork': case 'vfork': return `${reason.kind}:${threadId(reason.child)};`;
    case 'vforkdone': return 'vforkdone:;';
    case 'exec': return `exec:${textHex(reason.path)};`;
    default: return undefined;
  }
}

export class GdbSession {
  private readonly reader = new PacketReader();
  private readonly hostIo: HostIo;
  private readonly queue: Incoming[] = [];
  private noAck = false;
  private noAckAfterReply = false;
  /** Processes whose library list gdb has been told to read (see resume). */
  private readonly librariesReported = new Set<number>();
  private interruptRequested = false;
  private processing = false;
  private closed = false;
  /** The process `g`, `m`, `Z`… apply to (Hg), and the one resumed without a thread (Hc). */
  private general: number;
  private lastSent: Buffer | undefined;
  /**
   * The processes this client debugs: the first at connection, others once gdb attaches to them (`add-inferior`,
   * `inferior N`, `attach N`): gdb reads the target description of a process only when it attaches to it.
   */
  private readonly attached = new Set<number>();

  constructor(
    private readonly socket: Socket,
    private readonly target: DebugTarget,
    private readonly options: SessionOptions,
  ) {
    this.general = target.list()[0]?.pid ?? 1;
    this.attached.add(this.general);
    this.hostIo = new HostIo(target.machine, target.program);
    target.resetSession();
    // A program's processes stop for gdb only while it debugs them (not once detached, e.g. after a fork).
    if (target.program) target.program.control.debugged = (pid) => this.attached.has(pid);
    socket.on('data', (chunk: Buffer) => this.receive(chunk));
    socket.on('close', () => { this.closed = true; this.interruptRequested = true; this.hostIo.closeAll(); });
    socket.on('error', () => { this.closed = true; this.interruptRequested = true; });
  }

  private receive(chunk: Buffer): void {
    for (const item of this.reader.push(chunk)) {
      if (item.kind === 'interrupt') this.interruptRequested = true;
      else if (item.kind === 'nack') { if (this.lastSent) this.socket.write(this.lastSent); }
      else if (item.kind === 'packet') this.queue.push(item);
    }
    void this.drain();
  }

  private async drain(): Promise<void> {
    if (this.processing) return;
    this.processing = true;
    try {
      while (this.queue.length > 0 && !this.closed) {
        const item = this.queue.shift()!;
        if (item.kind !== 'packet') continue;
        if (!this.noAck) this.socket.write(item.checksumOk ? '+' : '-');
        if (!item.checksumOk) continue;
        const text = item.payload.toString('latin1');
        this.options.log?.(`<- ${text.slice(0, 200)}`);
        let reply: string | Buffer;
        try {
          reply = await this.dispatch(text, item.payload);
        } catch (err) {
          this.options.log?.(`!! ${err instanceof Error ? err.stack : String(err)}`);
          reply = ERROR;
        }
        this.send(reply);
        if (this.noAckAfterReply) this.noAck = true;
      }
    } finally {
      this.processing = false;
    }
  }

  private send(payload: string | Buffer): void {
    if (this.closed) return;
    const body = typeof payload === 'string' ? Buffer.from(payload, 'latin1') : payload;
    this.options.log?.(`-> ${body.toString('latin1').slice(0, 200)}`);
    this.lastSent = frame(body);
    this.socket.write(this.lastSent);
  }

  /** Console output gdb prints (O packets, only while gdb waits for a stop reply or a monitor answer). */
  private console(text: string): void {
    for (let k = 0; k < text.length; k += 1024) this.send('O' + textHex(text.slice(k, k + 1024)));
  }

  private process(pid = this.general): Process | ProgramProcess | undefined {
    return this.target.inferior(pid)?.process;
  }

  private async dispatch(text: string, raw: Buffer): Promise<string | Buffer> {
    const p = this.process();
    switch (text[0]) {
      case '?': {
        const inf = this.target.inferior(this.general) ?? this.target.list()[0];
        return inf ? this.stopReply(inf.lastStop) : 'W00';
      }
      case '!': return 'OK';
      case 'g': return p ? GDB_REGISTERS.map((r) => registerHex(r, p.cpu)).join('') : ERROR;
      case 'G': return this.writeAllRegisters(text.slice(1));
      case 'p': return this.readRegister(text.slice(1));
      case 'P': return this.writeRegister(text.slice(1));
      case 'm': return this.readMemory(text.slice(1));
      case 'M': return this.writeMemory(text.slice(1), false, raw);
      case 'X': return this.writeMemory(text.slice(1), true, raw);
      case 'Z': case 'z': return this.point(text[0] === 'Z', text.slice(1));
      case 'H': return this.setThread(text.slice(1));
      case 'T': {
        const t = parseThreadId(text.slice(1));
        const p = t && typeof t.pid === 'number' ? this.process(t.pid) : undefined;
        if (!p) return ERROR;
        return t!.tid === undefined || !(p instanceof ProgramProcess) || p.threads().some((x) => x.tid === t!.tid) ? 'OK' : ERROR;
      }
      case 'c': return this.resume([{ action: 'c', pid: this.general }]);
      case 's': return this.resume([{ action: 's', pid: this.general }]);
      case 'C': case 'S': {
        const signal = signalArg(text.slice(1));
        return signal === undefined ? ERROR : this.resume([{ action: text[0] === 'C' ? 'c' : 's', pid: this.general, signal }]);
      }
      case 'D': return this.detach(text.slice(1));
      case 'k': {
        for (const inf of this.target.list()) inf.clearPoints();
        this.closed = true;
        this.socket.end();
        return '';
      }
      case 'q': return this.query(text);
      case 'Q': return this.set(text);
      case 'v': return this.vPacket(text);
      default: return '';
    }
  }

  // ---- registers

  private writeAllRegisters(hexText: string): string {
    const p = this.process();
    const bytes = bytesOfHex(hexText);
    if (!p || !bytes || bytes.length < gPacketBytes()) return ERROR;
    let at = 0;
    for (const r of GDB_REGISTERS) {
      const n = r.bits / 8;
      writeGdbRegister(r, p.cpu, registerValue(r, bytes.subarray(at, at + n))); // fixed ones keep their value
      at += n;
    }
    return 'OK';
  }

  private readRegister(arg: string): string {
    const p = this.process();
    const n = parseHex(arg);
    const r = n === undefined ? undefined : GDB_REGISTERS[Number(n)];
    return p && r ? registerHex(r, p.cpu) : ERROR;
  }

  private writeRegister(arg: string): string {
    const p = this.process();
    const [num, value] = arg.split('=');
    const n = num === undefined ? undefined : parseHex(num);
    const r = n === undefined ? undefined : GDB_REGISTERS[Number(n)];
    const bytes = value === undefined ? undefined : bytesOfHex(value);
    if (!p || !r || !bytes || bytes.length !== r.bits / 8) return ERROR;
    return writeGdbRegister(r, p.cpu, registerValue(r, bytes)) ? 'OK' : ERROR;
  }

  // ---- memory

  private addressLength(text: string): { address: number; length: number } | undefined {
    const [a, l] = text.split(',');
    const address = a === undefined ? undefined : parseHex(a);
    const length = l === undefined ? undefined : parseHex(l);
    if (address === undefined || length === undefined || address + length > 1n << 64n) return undefined;
    return { address: Number(address), length: Number(length) };
  }

  /** As much of the range as is mapped from its start (as ptrace's peeks give gdbserver), hex. */
  private readMemory(arg: string): string {
    const p = this.process();
    const range = this.addressLength(arg);
    if (!p || !range) return ERROR;
    const length = Math.min(range.length, MAX_PACKET / 2);
    const parts: Uint8Array[] = [];
    for (let at = range.address, left = length; left > 0; ) {
      const n = Math.min(left, PAGE - (at % PAGE));
      const bytes = at < 2 ** 53 ? p.space.peek(at, n) : null;
      if (!bytes) break;
      parts.push(bytes);
      at += n;
      left -= n;
    }
    if (parts.length === 0 && length > 0) return ERROR;
    return parts.map(hexOf).join('');
  }

  /** M (hex) and X (binary) writes, as ptrace's POKEDATA does: through protections, breaking COW. */
  private writeMemory(arg: string, binary: boolean, raw: Buffer): string {
    const p = this.process();
    const colon = arg.indexOf(':');
    const range = colon < 0 ? undefined : this.addressLength(arg.slice(0, colon));
    if (!p || !range) return ERROR;
    let data: Buffer | undefined;
    if (binary) data = unescapeBinary(raw.subarray(raw.indexOf(0x3a) + 1));
    else data = bytesOfHex(arg.slice(colon + 1));
    if (!data || data.length !== range.length) return ERROR;
    if (range.length === 0) return 'OK';
    if (range.address + range.length > 2 ** 53 || !p.space.poke(range.address, data)) return ERROR;
    p.cpu.invalidateCode(range.address, range.length);
    return 'OK';
  }

  // ---- breakpoints and watchpoints

  private point(insert: boolean, arg: string): string {
    const [type, addrText, kindText] = arg.split(/[,;]/);
    const inf = this.target.inferior(this.general);
    const address = addrText === undefined ? undefined : parseHex(addrText);
    const length = kindText === undefined ? undefined : parseHex(kindText);
    if (!inf || address === undefined || length === undefined || address >= 2n ** 53n) return ERROR;
    const va = Number(address);
    if (type === '0' || type === '1') {
      const set = type === '0' ? inf.software : inf.hardware;
      if (insert) {
        if (!inf.process.space.peek(va, 1)) return ERROR;
        set.add(va);
      } else set.delete(va);
      return 'OK';
    }
    const kind = type === undefined ? undefined : WATCH_KINDS[type];
    if (!kind) return '';
    if (length === 0n || length > 4096n) return ERROR;
    if (insert) inf.addWatch(kind, va, Number(length));
    else inf.removeWatch(kind, va, Number(length));
    return 'OK';
  }

  // ---- threads and resuming

  private setThread(arg: string): string {
    const t = parseThreadId(arg.slice(1));
    if (!t || (arg[0] !== 'g' && arg[0] !== 'c')) return ERROR;
    if (typeof t.pid === 'number') {
      const p = this.process(t.pid);
      if (!p) return ERROR;
      if (t.tid !== undefined && p instanceof ProgramProcess && !p.selectThread(t.tid)) return ERROR;
      if (arg[0] === 'g') this.general = t.pid;
    }
    return 'OK';
  }

  /** `vCont;ACTION[:TID]…`: each process takes the first action whose thread id covers it. */
  private parseVCont(text: string): ResumeAction[] | undefined {
    const plan = new Map<number, ResumeAction>();
    const pids = [...this.attached];
    for (const part of text.split(';').slice(1)) {
      const [act, tid] = part.split(':');
      const a = act?.[0];
      if (a !== 'c' && a !== 'C' && a !== 's' && a !== 'S') {
        if (a === 't') continue;
        return undefined;
      }
      const action = a === 'c' || a === 'C' ? 'c' : 's';
      const signal = a === 'C' || a === 'S' ? signalArg(act!.slice(1)) : undefined;
      if ((a === 'C' || a === 'S') && signal === undefined) return undefined;
      let covered: number[];
      if (tid === undefined) covered = pids;
      else {
        const t = parseThreadId(tid);
        if (!t) return undefined;
        covered = t.pid === 'all' ? pids : t.pid === 'any' ? [this.general] : [t.pid];
        // A step names one thread: that one is stepped.
        const p = typeof t.pid === 'number' && t.tid !== undefined ? this.process(t.pid) : undefined;
        if (action === 's' && p instanceof ProgramProcess) p.selectThread(t.tid!);
      }
      for (const pid of covered) if (pids.includes(pid) && !plan.has(pid)) plan.set(pid, { pid, action, signal });
    }
    return [...plan.values()];
  }

  private async resume(plan: ResumeAction[]): Promise<string> {
    if (plan.length === 0) return ERROR;
    if (this.options.calls && !this.librariesReported.has(plan[0]!.pid)) {
      // gdb reads the library list (and their symbols) at a library event: with no program it does not on
      // connecting. Report one, with nothing executed, as ld.so's breakpoint would; gdb then resumes again.
      const pid = plan[0]!.pid;
      this.librariesReported.add(pid);
      this.general = pid;
      return `T05thread:${threadId(pid)};library:;`;
    }
    this.interruptRequested = false;
    // A step is one instruction of one process (gdb never steps two at once); otherwise every 'c' runs.
    const stepper = plan.find((a) => a.action === 's');
    const signal = plan.find((a) => a.signal)?.signal;
    const stop: Stop = stepper
      ? this.target.step(stepper.pid, stepper.signal)
      : await this.target.continue(plan.map((a) => a.pid), () => this.interruptRequested, signal);
    // gdb takes a stop reply's thread as the general thread from then on (and does not send Hg for it).
    this.general = stop.pid;
    // A forked child is gdb's to keep or detach (it says which with D): it waits, stopped, until then.
    if (stop.reason && (stop.reason.kind === 'fork' || stop.reason.kind === 'vfork')) this.attached.add(stop.reason.child);
    return this.stopReply(stop, true);
  }

  private stopReply(stop: Stop, fresh = false): string {
    if (fresh && stop.message) this.console(stop.message);
    const pidPart = `;process:${stop.pid.toString(16)}`;
    if (stop.exit?.kind === 'exited') return `W${(stop.exit.code & 0xff).toString(16).padStart(2, '0')}${pidPart}`;
    if (stop.exit?.kind === 'signaled') return `X${gdbSignal(stop.exit.signal).toString(16).padStart(2, '0')}${pidPart}`;
    const sig = gdbSignal(stop.signal).toString(16).padStart(2, '0');
    let reason = '';
    if (stop.reason) {
      const r = stop.reason;
      reason = eventPart(r) ?? ('address' in r ? `${r.kind}:${r.address.toString(16)};` : `${r.kind}:;`);
    }
    return `T${sig}thread:${threadId(stop.pid, stop.tid)};${reason}`;
  }

  private detach(arg: string): string {
    const pid = arg.startsWith(';') ? parseInt(arg.slice(1), 16) : undefined;
    const targets = pid === undefined ? [...this.attached] : [pid].filter((p) => this.attached.has(p));
    if (targets.length === 0) return ERROR;
    for (const p of targets) {
      this.target.inferior(p)?.clearPoints();
      this.attached.delete(p);
    }
    return 'OK';
  }

  // ---- queries

  private query(text: string): string | Buffer {
    if (text.startsWith('qSupported')) {
      // A program's libraries gdb finds itself, as for a native process (ld.so's r_debug, through AT_BASE).
      const libraries = this.target.program ? 'qXfer:threads:read+;' : 'qXfer:libraries-svr4:read+;';
      // A program's forks, vforks and execs are reported as events when gdb can take them.
      const events = this.target.program ? ['fork-events', 'vfork-events', 'exec-events'].filter((e) => text.includes(`${e}+`)).map((e) => `${e}+;`).join('') : '';
      return `PacketSize=${MAX_PACKET.toString(16)};QStartNoAckMode+;multiprocess+;swbreak+;hwbreak+;qXfer:features:read+;${libraries}qXfer:exec-file:read+;qXfer:auxv:read+;${events}vContSupported+;QThreadEvents+;QPassSignals+`;
    }
    // A program the server started is killed when gdb quits (0), as gdbserver's; library processes are kept.
    if (text === 'qAttached' || text.startsWith('qAttached:')) return this.target.program ? '0' : '1';
    if (text === 'qC') {
      const p = this.process();
      return `QC${threadId(this.general, p instanceof ProgramProcess ? p.task.tid : this.general)}`;
    }
    if (text === 'qfThreadInfo') {
      const ids = [...this.attached].flatMap((pid) => {
        const p = this.process(pid);
        if (p instanceof ProgramProcess) return p.threads().map((t) => threadId(pid, t.tid));
        return p ? [threadId(pid)] : [];
      });
      return ids.length ? 'm' + ids.join(',') : 'l';
    }
    if (text === 'qsThreadInfo') return 'l';
    if (text === 'qOffsets') return this.options.calls ? 'Text=0;Data=0;Bss=0' : '';
    if (text.startsWith('qThreadExtraInfo,')) {
      const t = parseThreadId(text.slice('qThreadExtraInfo,'.length));
      const p = t && typeof t.pid === 'number' ? this.process(t.pid) : undefined;
      if (!p) return ERROR;
      if (p instanceof ProgramProcess) return ''; // as gdbserver on Linux: gdb names a program's threads itself
      return textHex(p.activeCall ? `in ${p.activeCall.name}` : 'no call');
    }
    if (text.startsWith('qRcmd,')) {
      const command = bytesOfHex(text.slice(6));
      const p = this.process();
      if (!command || !p) return ERROR;
      if (!(p instanceof Process)) {
        this.console(programMonitor(command.toString('utf8'), p));
        return 'OK';
      }
      const out = runMonitor(command.toString('utf8'), { machine: this.target.machine, current: p, calls: this.options.calls });
      this.console(out);
      return 'OK';
    }
    if (text.startsWith('qXfer:')) return this.xfer(text);
    if (text.startsWith('qSymbol')) return 'OK';
    return '';
  }

  private set(text: string): string {
    if (text === 'QStartNoAckMode') {
      this.noAckAfterReply = true; // this reply is still acknowledged; from then on neither side acks
      return 'OK';
    }
    if (text.startsWith('QThreadEvents:')) return 'OK';
    if (text.startsWith('QPassSignals:')) {
      // gdb's numbers, hex, `;`-separated: signals delivered without a stop (gdb's `handle SIG nostop pass`).
      const numbers = text.slice('QPassSignals:'.length).split(';').filter(Boolean).map((n) => parseInt(n, 16));
      if (numbers.some((n) => Number.isNaN(n))) return ERROR;
      if (this.target.program) this.target.program.passSignals = new Set(numbers);
      return 'OK';
    }
    return '';
  }

  /** qXfer:threads: a program's threads with their names (comm), as gdbserver lists them. */
  private threadsXml(): string {
    const xml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
    const rows = [...this.attached].flatMap((pid) => {
      const p = this.process(pid);
      return p instanceof ProgramProcess ? p.threads().map((t) => `<thread id="${threadId(pid, t.tid)}" core="0" name="${xml(t.group.comm)}"/>\n`) : [];
    });
    return `<?xml version="1.0"?>\n<threads>\n${rows.join('')}</threads>\n`;
  }

  /** qXfer:OBJECT:read:ANNEX:OFFSET,LENGTH → `m` + part, or `l` + the last part. */
  private xfer(text: string): string | Buffer {
    const m = /^qXfer:([a-z0-9-]+):read:([^:]*):([0-9a-fA-F]+),([0-9a-fA-F]+)$/.exec(text);
    if (!m) return text.includes(':write:') ? '' : ERROR;
    const [, object, annex, offText, lenText] = m as unknown as [string, string, string, string, string];
    let document: Buffer | undefined;
    const pidOf = (): Process | ProgramProcess | undefined => (annex === '' ? this.process() : this.process(parseInt(annex, 16)));
    switch (object) {
      case 'features':
        document = annex === 'target.xml' ? Buffer.from(targetXml()) : undefined;
        break;
      case 'libraries-svr4': {
        const p = this.process();
        document = p instanceof Process ? Buffer.from(librariesSvr4Xml(p)) : undefined;
        break;
      }
      case 'auxv':
      {
        // A library's process was not exec'ed: it has no auxiliary vector.
        const p = pidOf();
        document = p instanceof ProgramProcess ? p.auxv() : p ? Buffer.alloc(0) : undefined;
        break;
      }
      case 'threads':
        document = this.target.program ? Buffer.from(this.threadsXml()) : undefined;
        break;
      case 'exec-file': {
        const p = pidOf();
        document = p instanceof ProgramProcess ? Buffer.from(p.exe) : undefined; // no program in library mode
        break;
      }
      default:
        return '';
    }
    if (!document) return ERROR;
    const offset = parseInt(offText, 16);
    const length = Math.min(parseInt(lenText, 16), MAX_PACKET - 16);
    const part = document.subarray(offset, offset + length);
    const more = offset + part.length < document.length;
    return Buffer.concat([Buffer.from(more ? 'm' : 'l'), escapeBinary(part)]);
  }

  private async vPacket(text: string): Promise<string | Buffer> {
    if (text === 'vCont?') return 'vCont;c;C;s;S';
    if (text.startsWith('vCont;')) {
      const plan = this.parseVCont(text);
      return plan ? this.resume(plan) : ERROR;
    }
    if (text.startsWith('vKill;')) {
      // The process stays (picemu keeps it for the next session); its call in progress is abandoned.
      const pid = parseInt(text.slice(6), 16);
      const inf = this.target.inferior(pid);
      if (!inf) return ERROR;
      if (inf.process instanceof ProgramProcess) inf.process.kill();
      const call = inf.process.activeCall;
      if (call) call.finished = { kind: 'error', error: new CallError(`${call.name}: killed by the debugger`), events: [] };
      inf.clearPoints();
      this.attached.delete(pid);
      return 'OK';
    }
    if (text.startsWith('vAttach;')) {
      const inf = this.target.inferior(parseInt(text.slice(8), 16));
      if (!inf) return ERROR;
      this.attached.add(inf.pid);
      this.general = inf.pid; // as after any stop reply: gdb asks qC next and expects the attached process
      return this.stopReply(inf.lastStop);
    }
    if (text.startsWith('vFile:')) return this.hostIo.handle(text) ?? '';
    if (text === 'vMustReplyEmpty') return '';
    return '';
  }
}
