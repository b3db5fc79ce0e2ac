// A connection of the simulated server as JS sees it. Operations go to the
// simulation (which owns the reactor binding); state changes come from the
// reactor's app events.
import { describeValue, invalidArg } from '../errors.js';
import type { SimConnection } from '../types.js';

/** What a connection asks of its simulation. */
export interface ConnectionOps {
  /** True when all of the connection's output is in the kernel. */
  send(conn: Connection, data: Uint8Array): boolean;
  shutdown(conn: Connection): void;
  close(conn: Connection): void;
}

const utf8 = new TextEncoder();

export class Connection implements SimConnection {
  readonly id: number;
  /** The server-side fd while open. */
  readonly fd: number;
  readonly peer: string | null;
  closed = false;
  closeReason: string | null = null;
  private readonly ops: ConnectionOps;

  constructor(ops: ConnectionOps, id: number, fd: number, peer: string | null) {
    this.ops = ops;
    this.id = id;
    this.fd = fd;
    this.peer = peer;
  }

  send(data: Uint8Array | string): boolean {
    let bytes: Uint8Array;
    if (typeof data === 'string') bytes = utf8.encode(data);
    else if (ArrayBuffer.isView(data) && Object.prototype.toString.call(data) === '[object Uint8Array]') bytes = data;
    else throw invalidArg('send', 'data', 'a Uint8Array or a string', data);
    return this.ops.send(this, bytes);
  }

  shutdown(): void {
    this.ops.shutdown(this);
  }

  close(): void {
    this.ops.close(this);
  }

  markClosed(reason: string): void {
    this.closed = true;
    this.closeReason = reason;
  }

  toString(): string {
    return `connection ${this.id}${this.peer ? ` (peer ${describeValue(this.peer)})` : ''}`;
  }
}
