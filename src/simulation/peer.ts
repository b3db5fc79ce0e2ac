// A scripted client: a socket in the same simulated kernel as the reactor,
// driven through the traced kernel API under its own actor name. A reading
// peer is registered (level-triggered EPOLLIN) in one epoll all peers share,
// which the simulation polls after each reactor step, so peers read only
// when there is something to read and their reads show in the trace.
import { EdgeloopError } from '../errors.js';
import type { Kernel } from '../kernel.js';
import type { ErrnoName, Family, ShutdownHow, SimConnection } from '../types.js';
import type { ResolvedPeerOptions } from './options.js';

/** What a peer needs from its simulation. */
export interface PeerHost {
  readonly kernel: Kernel;
  readonly family: Family;
  readonly address: string;
  /** The peers' shared epoll (created on first use). */
  peerEpoll(): number;
  /** connect() succeeded: the next accepted connection is this peer's. */
  connecting(peer: Peer): void;
  /** The fd is registered for reads / no longer. */
  watch(peer: Peer, on: boolean): void;
}

const READ_CHUNK = 64 * 1024;
const utf8 = new TextEncoder();

export class Peer {
  readonly name: string;
  /** The socket, from connect() until close(). */
  fd: number | null = null;
  /** The server's connection for this peer, once accepted. */
  connection: SimConnection | null = null;
  /** The acceptor closed this peer's connection at once (EMFILE). */
  dropped = false;
  /** The server closed this peer's connection at once: maxConnections were open. */
  refused = false;
  /** The kernel dropped this peer's queued connection before the server got it (an ECONNABORTED fault). */
  aborted = false;
  /** A read returned 0. */
  eof = false;
  /** The errno of a failed read (ECONNRESET...). */
  error: ErrnoName | null = null;
  receivedBytes = 0;
  /** Successful connect() calls so far: which of the peer's connections is the latest. */
  connects = 0;
  /**
   * Keep the bytes read, for `received` and `text` (receivedBytes counts
   * either way). A scenario run turns it off for the peers none of its
   * expectations reads the bytes of: 40 echo peers kept 480 MB over a
   * million-event run.
   */
  keepReceived = true;
  /** Called with each read's bytes as they arrive (an observer: Explore's byte check). */
  onReceive: ((bytes: Uint8Array) => void) | null = null;
  private readonly host: PeerHost;
  private options: ResolvedPeerOptions;
  private reading = true;
  private watched = false;
  private chunks: Uint8Array[] = [];

  constructor(host: PeerHost, name: string, options: ResolvedPeerOptions) {
    this.host = host;
    this.name = name;
    this.options = options;
  }

  private get k(): Kernel {
    this.host.kernel.setActor(this.name);
    return this.host.kernel;
  }

  private open(method: string): number {
    if (this.fd === null) {
      throw new EdgeloopError('ERR_CLOSED', `${method}(): peer "${this.name}" has no socket (connect() it first, and not after close())`);
    }
    return this.fd;
  }

  /** socket, the buffer options, connect to the server. 0, or the errno of the call that failed. */
  connect(): 0 | ErrnoName {
    if (this.fd !== null) throw new EdgeloopError('ERR_INVALID_ARG', `connect(): peer "${this.name}" is already connected`);
    const k = this.k;
    const fd = k.socket(this.host.family);
    if (typeof fd === 'string') return fd;
    for (const [name, value] of [['SO_SNDBUF', this.options.sndbuf], ['SO_RCVBUF', this.options.rcvbuf]] as const) {
      if (value !== null) k.setsockopt(fd, name, value);
    }
    const r = k.connect(fd, this.host.address);
    if (typeof r === 'string' && r !== 'EINPROGRESS') {
      k.close(fd);
      return r;
    }
    this.fd = fd;
    this.connects++;
    // A reconnect is a new connection: what the last one saw is history.
    this.connection = null;
    this.dropped = false;
    this.refused = false;
    this.aborted = false;
    this.eof = false;
    this.error = null;
    this.host.connecting(this);
    if (this.reading) this.setWatched(true);
    return 0;
  }

  /** Bytes (a string is sent as UTF-8) or a filler count; the bytes written, or an errno name. */
  write(data: Uint8Array | string | number): number | ErrnoName {
    const fd = this.open('write');
    return this.k.write(fd, typeof data === 'string' ? utf8.encode(data) : data);
  }

  /** One read of up to `max` bytes; what it returns is also added to `received`. */
  read(max: number): Uint8Array | ErrnoName {
    const fd = this.open('read');
    const r = this.k.read(fd, max);
    this.took(r, max);
    return r;
  }

  /** A read whose bytes nobody looks at (keepReceived off, no onReceive): counted, not copied out. */
  private readCounted(max: number): number | ErrnoName {
    if (this.keepReceived || this.onReceive) {
      const r = this.read(max);
      return typeof r === 'string' ? r : r.length;
    }
    const r = this.k.readDiscard(this.open('read'), max);
    this.tookCount(r, max);
    return r;
  }

  /** Stops the automatic reads (the peer's receive queue fills up). */
  stopReading(): this {
    this.reading = false;
    this.setWatched(false);
    return this;
  }

  /** From now on reads all there is after each step (readPerStep no longer limits it). */
  readFreely(): this {
    this.options = { ...this.options, readPerStep: Infinity };
    return this;
  }

  /** Reads automatically again after each step. */
  resume(): this {
    this.reading = true;
    if (this.fd !== null && !this.eof && this.error === null) this.setWatched(true);
    return this;
  }

  shutdown(how: ShutdownHow): number | ErrnoName {
    const fd = this.open('shutdown');
    return this.k.shutdown(fd, how);
  }

  close(): number | ErrnoName {
    const fd = this.open('close');
    const r = this.k.close(fd);
    this.watched = false;  // close drops the registration with the file
    this.host.watch(this, false);
    this.fd = null;
    return r;
  }

  /**
   * Stops reading and closes with bytes still unread. On tcp, Linux then
   * answers with a RST instead of a FIN (tcp_close); on unix the server's
   * writes fail EPIPE. Returns how many bytes were left unread.
   */
  closeWithUnread(): number {
    const fd = this.open('closeWithUnread');
    this.stopReading();
    const inq = this.k.ioctl(fd, 'SIOCINQ');
    this.close();
    return typeof inq === 'number' ? inq : 0;
  }

  /** Everything read so far, in order (ERR_INVALID_ARG when keepReceived is off: nothing was kept). */
  get received(): Uint8Array {
    if (!this.keepReceived) {
      throw new EdgeloopError('ERR_INVALID_ARG', `peer "${this.name}": its received bytes were not kept (keepReceived is off); receivedBytes counts them`, { argument: 'keepReceived' });
    }
    if (this.chunks.length !== 1) {
      const all = new Uint8Array(this.receivedBytes);
      let at = 0;
      for (const c of this.chunks) {
        all.set(c, at);
        at += c.length;
      }
      this.chunks = [all];
    }
    return this.chunks[0] ?? new Uint8Array(0);
  }

  /** The received text, as UTF-8. */
  get text(): string {
    return new TextDecoder().decode(this.received);
  }

  /** Returns and forgets what was read so far (receivedBytes keeps counting). */
  takeReceived(): Uint8Array {
    const all = this.received;
    this.chunks = [];
    this.receivedBytes = 0;
    return all;
  }

  /** After a step: read what is ready, within readPerStep. The number of reads made. */
  pump(): number {
    if (this.fd === null || !this.reading) return 0;
    let budget = this.options.readPerStep;
    let reads = 0;
    while (budget > 0 && this.fd !== null) {
      const r = this.readCounted(Math.min(budget, READ_CHUNK));
      reads++;
      if (typeof r === 'string' || r === 0) break;
      budget -= r;
    }
    return reads;
  }

  private took(r: Uint8Array | ErrnoName, max: number): void {
    this.tookCount(typeof r === 'string' ? r : r.length, max);
    if (typeof r !== 'string' && r.length > 0) {
      if (this.keepReceived) this.chunks.push(r);
      this.onReceive?.(r);
    }
  }

  /** The state a read leaves: EOF, an error, or bytes counted. */
  private tookCount(r: number | ErrnoName, max: number): void {
    if (typeof r === 'string') {
      if (r !== 'EAGAIN') {
        this.error = r;
        this.setWatched(false);
      }
      return;
    }
    if (r === 0) {
      if (max > 0) {
        this.eof = true;
        this.setWatched(false);
      }
      return;
    }
    this.receivedBytes += r;
  }

  private setWatched(on: boolean): void {
    if (this.fd === null || on === this.watched) return;
    const ep = this.host.peerEpoll();
    const r = this.k.epollCtl(ep, on ? 'ADD' : 'DEL', this.fd, 0x1 /* EPOLLIN */);
    if (typeof r === 'string') {
      throw new EdgeloopError('ERR_BACKEND', `peer "${this.name}": epoll_ctl on the peers' epoll failed: ${r}`);
    }
    this.watched = on;
    this.host.watch(this, on);
  }
}
