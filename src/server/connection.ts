// A connection of the real server as JS handlers see it. Operations go to
// the server (which owns the addon object); state changes come from the
// reactor's app events.
import { invalidArg } from '../errors.js';
import type { ServerConnection } from '../types.js';

/** What a connection asks of its server. */
export interface ServerConnectionOps {
  /** True when all of the connection's output is in the kernel. */
  send(conn: LiveConnection, data: Uint8Array): boolean;
  shutdown(conn: LiveConnection): void;
  close(conn: LiveConnection): void;
}

const utf8 = new TextEncoder();

export class LiveConnection implements ServerConnection {
  readonly id: number;
  closed = false;
  closeReason: string | null = null;
  private readonly ops: ServerConnectionOps;

  constructor(ops: ServerConnectionOps, id: number) {
    this.ops = ops;
    this.id = id;
  }

  send(data: Uint8Array | string): boolean {
    let bytes: Uint8Array;
    if (typeof data === 'string') bytes = utf8.encode(data);
    else if (data instanceof Uint8Array) bytes = data;
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
    return `connection ${this.id}`;
  }
}
