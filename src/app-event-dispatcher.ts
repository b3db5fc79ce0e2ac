// The reactor's app events (src/backends/raw-server.ts: 'connection',
// 'message', 'writeComplete', 'highWaterMark', 'close', 'dropped', 'refused',
// 'aborted')
// turned into JS handler calls, the same in the simulation and on the real
// server.
// A handler that throws closes its connection and nothing else. What differs
// between the stacks is behind AppEventStack: how a connection object is
// made, where a handler's error is kept (the sim also traces it, the server
// counts it), how the connection is closed for it, and what an accept that
// was closed at once (dropped, refused, aborted) means to the stack.
import type { Connection } from './connection.js';
import type { ReactorHandlers } from './types.js';

export type HandlerName = keyof ReactorHandlers<Connection>;

/** What the dispatcher asks of the stack it delivers for. */
export interface AppEventStack {
  /** The JS handlers; null with a built-in app (its events are only tracked). */
  readonly handlers: ReactorHandlers<Connection> | null;
  /**
   * Whether a connection stays in `connections` once closed: the simulation
   * shows every connection it accepted, a long-running real server only its
   * open ones (keeping the closed ones would grow without bound).
   */
  readonly keepClosed: boolean;
  /** The object for a connection just accepted (`fd`: the server-side fd). */
  accepted(id: number, fd: number): Connection;
  /** A handler threw: keep the error (the connection is closed right after). */
  keepHandlerError(conn: Connection, handler: HandlerName, error: unknown): void;
  /** Closes `conn` (still open) with reason 'handler-error'. */
  closeForHandlerError(conn: Connection): void;
  /** ('dropped', 0): a connection was accepted and closed at once for lack of fds. */
  dropped?(): void;
  /** ('refused', 0): a connection was accepted and closed at once because maxConnections were open. */
  refused?(): void;
  /**
   * ('aborted', 0), simulation only: an injected accept fault (ECONNABORTED)
   * took a queued connection and closed it before the reactor saw it.
   */
  aborted?(): void;
}

export class AppEventDispatcher {
  /** The connections the events made, by id (closed ones too when the stack keeps them). */
  readonly connections = new Map<number, Connection>();
  private readonly stack: AppEventStack;

  constructor(stack: AppEventStack) {
    this.stack = stack;
  }

  /**
   * One app event, synchronously from the binding. Never throws for a
   * handler (handle() catches); the stack's own hooks may.
   */
  deliver(type: string, id: number, arg?: Uint8Array | number | string): void {
    // Accepted and closed at once: no connection object, no handler.
    if (type === 'dropped') {
      this.stack.dropped?.();
      return;
    }
    if (type === 'refused') {
      this.stack.refused?.();
      return;
    }
    if (type === 'aborted') {
      this.stack.aborted?.();
      return;
    }
    if (type === 'connection') {
      const conn = this.stack.accepted(id, arg as number);
      this.connections.set(conn.id, conn);
      this.handle(conn, 'onConnection', (h) => h.onConnection?.(conn));
      return;
    }
    const conn = this.connections.get(id);
    if (!conn) return;
    switch (type) {
      case 'message':
        // With a built-in app, which consumed the bytes itself, arg is their count: no handler.
        if (arg instanceof Uint8Array && !conn.closed) this.handle(conn, 'onMessage', (h) => h.onMessage?.(conn, arg));
        return;
      case 'writeComplete':
        if (!conn.closed) this.handle(conn, 'onWriteComplete', (h) => h.onWriteComplete?.(conn));
        return;
      case 'highWaterMark':
        if (!conn.closed) this.handle(conn, 'onHighWaterMark', (h) => h.onHighWaterMark?.(conn, arg as number));
        return;
      case 'close':
        conn.markClosed(String(arg ?? 'unknown'));
        if (!this.stack.keepClosed) this.connections.delete(id);
        this.handle(conn, 'onClose', (h) => h.onClose?.(conn, conn.closeReason as string));
        return;
    }
  }

  private handle(conn: Connection, name: HandlerName, run: (h: ReactorHandlers<Connection>) => void): void {
    const h = this.stack.handlers;
    if (!h || typeof h[name] !== 'function') return;
    try {
      run(h);
    } catch (error) {
      this.stack.keepHandlerError(conn, name, error);
      // Only this connection pays for its handler; the server carries on.
      if (!conn.closed) this.stack.closeForHandlerError(conn);
    }
  }
}
