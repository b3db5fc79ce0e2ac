// Buffer gauges per connection, from the frame (the state after a reactor
// step): the reactor's send_buf_ against the high-water mark, the kernel's
// send queue against SO_SNDBUF with the writability threshold drawn as a
// line, and the peer's receive queue against its SO_RCVBUF. Every bar
// carries its numbers as text and is a role="meter" with a label.
import { h, replace } from './dom.js';
import { bytes, num } from './format.js';
import type { Frame, FrameConn } from './frames.js';
import type { TraceModel } from './trace-model.js';

export interface GaugeContext {
  frame: Frame | null;
  /** The state shown is older than the cursor (the cursor is inside a step). */
  lagging: boolean;
  /** The frame is the state right after the event at the cursor (exact-frames.ts), not a step's end. */
  exact?: boolean;
  /** Lagging, and the state up to this event is being computed (the run again is on its way to it). */
  computing?: boolean;
  /** Lagging, and the state up to this event will be computed once the cursor rests (a long run). */
  waiting?: boolean;
  /** Lagging because the state after this event could not be computed: why. */
  exactFailed?: string | null;
  /** The first record of the step the cursor is in (where an exact frame's step began). */
  stepStart?: number;
  highWaterMark: number;
  /** Largest send_buf_ per connection id over the run (the bar's scale). */
  peakSendBuf: ReadonlyMap<number, number>;
  model: TraceModel;
  cursor: number;
  /** What a frame is: the state after a reactor step (a run), or a server's snapshot (live, taken about every 250 ms). */
  sampled?: 'steps' | 'snapshots';
  /** Show every connection (default: the busiest MAX_SHOWN, the rest summed up). */
  showAll: boolean;
  onShowAll(all: boolean): void;
}

const MAX_SHOWN = 8;

function busy(c: FrameConn): boolean {
  return (
    c.sendBuf > 0 ||
    (c.kernel ? c.kernel.charged > 0 : c.kernelSendQueue > 0) ||
    (c.peerReceiveQueue ?? 0) > 0 ||
    c.readBuf > 0 ||
    (c.kernelReceiveQueue ?? 0) > 0 ||
    (c.peerSendQueue ?? 0) > 0
  );
}

/**
 * The receive side, client to server: what the client wrote that has not
 * reached the server (TCP), what arrived and the reactor has not read, and
 * what the reactor read and the app has not consumed. The bytes a server
 * that stops reading leaves where they are: the high-water mark's
 * back-pressure is these queues filling up, back to the client's write().
 */
function receiveSide(c: FrameConn): HTMLElement[] {
  const parts: HTMLElement[] = [h('h5', { class: 'gauge-group', text: 'Receive side (client → server)' })];
  const unix = c.kernel?.family === 'unix';
  const inq = c.kernelReceiveQueue ?? 0;
  if (c.peerSendQueue !== null && c.peerSendQueue !== undefined) {
    if (unix) {
      parts.push(
        h('div', {
          class: 'gauge muted',
          dataset: { gauge: 'peerSend', value: c.peerSendQueue },
          text: `client's charge: ${bytes(c.peerSendQueue, true)} of skb memory for the ${bytes(inq, true)} unread on the server's receive queue below (AF_UNIX has no send queue)`,
        }),
      );
    } else {
      parts.push(
        meter({
          key: 'peerSend',
          label: `client send queue${c.peer ? ` (${c.peer})` : ''}`,
          value: c.peerSendQueue,
          max: c.peerSndbuf ?? Math.max(c.peerSendQueue, 1),
          text: `${bytes(c.peerSendQueue, true)}${c.peerSndbuf ? ` of SO_SNDBUF ${bytes(c.peerSndbuf)}` : ''}`,
          detail: 'SIOCOUTQ at the client: written, not yet acknowledged by the server (unsent while the server’s window is closed, in flight, or arrived with its ACK pending)',
          cls: 'f-peer',
        }),
      );
    }
  }
  if (c.kernel) {
    // An AF_UNIX stream socket's receive queue is not bounded by its own SO_RCVBUF: the sender's SO_SNDBUF is what stops the sender.
    const max = unix ? (c.peerSndbuf ?? Math.max(inq, 1)) : c.kernel.rcvbuf;
    parts.push(
      meter({
        key: 'kernelRecv',
        label: 'kernel receive queue',
        value: inq,
        max,
        text: `${bytes(inq, true)}${unix ? (c.peerSndbuf ? ` (the client's SO_SNDBUF is ${bytes(c.peerSndbuf)})` : '') : ` of SO_RCVBUF ${bytes(c.kernel.rcvbuf)}`}`,
        detail: unix
          ? 'SIOCINQ at the server: arrived, not yet read by the reactor. A stream socket does not enforce its own SO_RCVBUF: the client blocks when the memory these bytes take (skb truesize: at least about 768 B per write, so a little more than the bytes for large writes and many times more for small ones) reaches its SO_SNDBUF.'
          : 'SIOCINQ at the server: arrived, not yet read by the reactor. As it fills, the window the server advertises shrinks (it is less than SO_RCVBUF: part of the buffer is overhead); a closed window stops the client sending, while its write() calls go on filling its own send buffer until that is full.',
        cls: 'f-kernel',
      }),
    );
  }
  parts.push(
    meter({
      key: 'readBuf',
      label: 'app input buffer',
      value: c.readBuf,
      max: Math.max(c.readBuf, 64 * 1024),
      text: bytes(c.readBuf, true),
      detail: 'read by the reactor, not yet consumed by the app (an echo consumes everything it reads at once)',
      cls: 'f-app',
    }),
  );
  return parts;
}

function meter(opts: {
  label: string;
  value: number;
  max: number;
  line?: { at: number; label: string };
  text: string;
  detail?: string;
  cls: string;
  key: string;
}): HTMLElement {
  const max = Math.max(1, opts.max);
  const pct = Math.min(100, (opts.value / max) * 100);
  const fill = h('div', { class: `fill ${opts.cls}` });
  fill.style.width = `${pct}%`;
  const track = h(
    'div',
    {
      class: 'track',
      attrs: {
        role: 'meter',
        'aria-label': opts.label,
        'aria-valuemin': 0,
        'aria-valuemax': max,
        'aria-valuenow': Math.min(opts.value, max),
        'aria-valuetext': opts.text,
      },
    },
    fill,
  );
  if (opts.line) {
    const line = h('div', { class: 'threshold', title: opts.line.label });
    line.style.left = `${Math.min(100, (opts.line.at / max) * 100)}%`;
    track.append(line);
  }
  return h(
    'div',
    { class: 'gauge', dataset: { gauge: opts.key, value: opts.value } },
    h('div', { class: 'gauge-label' }, h('span', { class: 'gauge-name', text: opts.label }), h('span', { class: 'gauge-value', text: opts.text })),
    track,
    opts.detail ? h('div', { class: 'gauge-detail', text: opts.detail }) : null,
  );
}

/** The reactor's interest list at the cursor, from the trace's epoll_ctl calls (exact at every event): registered name -> mask. */
type InterestNow = ReadonlyMap<string, string>;

function interestNow(ctx: GaugeContext): InterestNow {
  const ep = ctx.model.mainEpoll;
  const out = new Map<string, string>();
  if (ep !== null) for (const it of ctx.model.interestAt(ctx.cursor, ep)) if (it.name !== null) out.set(it.name, it.events);
  return out;
}

/** Whether `name` has EPOLLOUT in its interest at the cursor, or null when the trace does not register it (then the step's snapshot says). */
function epolloutAt(name: string | null, now: InterestNow): boolean | null {
  const events = name === null ? undefined : now.get(name);
  return events === undefined ? null : events.split('|').includes('EPOLLOUT');
}

/** The reactor's state word: 'disconnecting' is TcpConnection::Shutdown() asked for, with the FIN only after send_buf_ drains. */
function stateWords(c: FrameConn): string {
  return c.state === 'disconnecting' ? 'shutdown requested (FIN after send_buf_ drains)' : c.state;
}

/** What EPOLLOUT on means for this connection now: waiting for room only when the socket has none. */
function epolloutWords(c: FrameConn, lagging: boolean): string {
  if (c.sendBuf === 0 && !lagging) return 'EPOLLOUT on with nothing queued (each report is a wasted wakeup)';
  if (c.kernel && c.kernel.writable && c.sendBuf > 0) return `EPOLLOUT on, ${bytes(c.sendBuf, true)} queued, socket writable (the next report writes it, or the write fails if the connection is broken)`;
  return 'EPOLLOUT on (waiting for room)';
}

function connBlock(c: FrameConn, ctx: GaugeContext, now: InterestNow): HTMLElement {
  const flags: string[] = [stateWords(c)];
  if (c.closeReason) flags.push(`closed: ${c.closeReason}`);
  flags.push(c.reading ? 'reading' : 'not reading');
  // EPOLLOUT at the cursor, from the trace (the snapshot is the step's end).
  const writing = epolloutAt(c.name, now) ?? c.writing;
  // EPOLLOUT with nothing queued is not waiting for anything: under LT every
  // round reports it again (the tutorial's busy loop), so it must not read as
  // a connection waiting for room; nor is one whose socket has room.
  flags.push(!writing ? 'EPOLLOUT off' : epolloutWords(c, ctx.lagging));
  const title = `Connection ${c.id}${c.peer ? ` — peer “${c.peer}”` : ''}${c.name ? ` — server socket ${c.name}` : ''}`;
  const peak = Math.max(ctx.peakSendBuf.get(c.id) ?? 0, c.sendBuf);
  const hwm = ctx.highWaterMark;
  const parts: HTMLElement[] = [];
  // Scale: the run's peak, stretched to the high-water mark when that is near
  // enough to be drawn usefully (a 4 MiB mark beside 100 KiB would flatten the bar).
  const scale = Math.max(1, hwm <= peak * 4 ? Math.max(peak, hwm) : peak);
  parts.push(
    meter({
      key: 'sendBuf',
      label: 'app send_buf_',
      value: c.sendBuf,
      max: scale,
      line: hwm <= scale ? { at: hwm, label: `high-water mark ${bytes(hwm)}` } : undefined,
      text: bytes(c.sendBuf, true),
      detail: `queued by Send, waiting for EPOLLOUT · high-water mark ${bytes(hwm)}`,
      cls: 'f-app',
    }),
  );
  if (c.kernel) {
    const k = c.kernel;
    const unix = k.family === 'unix';
    // Two limits, drawn and said apart: poll's writability (the line: EPOLLOUT is reported at or
    // below it) and write()'s (the bar's end: EAGAIN once the charge reaches SO_SNDBUF).
    // unix_writable / __sk_stream_is_writeable against sock_alloc_send_pskb / sk_stream_memory_free.
    const rule = unix
      ? 'poll: EPOLLOUT while (charged+1)×4 ≤ SO_SNDBUF (unix_writable) · write(): takes data while charged < SO_SNDBUF'
      : 'poll: EPOLLOUT while free ≥ half of what is queued (__sk_stream_is_writeable) · write(): takes data while queued < SO_SNDBUF';
    const where = k.writable
      ? 'writable: poll reports EPOLLOUT (epoll_wait does if it is in the interest)'
      : k.charged >= k.sndbuf
        ? 'full: write() gets EAGAIN, and no EPOLLOUT until it drains below the line'
        : 'no EPOLLOUT, but write() still takes data up to the bar’s end';
    parts.push(
      meter({
        key: 'kernel',
        // AF_UNIX has no send queue: the skbs sit on the peer's receive queue, charged to this socket.
        label: unix ? 'charged to SO_SNDBUF (the data sits on the peer’s receive queue)' : 'kernel send queue',
        value: k.charged,
        max: k.sndbuf,
        line: { at: k.threshold, label: `poll: EPOLLOUT at or below ${num(k.threshold)} B charged` },
        text: `${num(k.charged)} of ${num(k.sndbuf)} B charged — ${where}`,
        detail: unix
          ? `SIOCOUTQ ${bytes(c.kernelSendQueue, true)}: memory charged (skb truesize) for the data the peer has not read · ${rule}`
          : `SIOCOUTQ ${bytes(c.kernelSendQueue, true)} of data not yet ACKed (unsent, in flight, or at the peer with its ACK pending) · ${rule}`,
        cls: k.writable ? 'f-kernel' : 'f-kernel full',
      }),
    );
    if (k.tcp) {
      // What SIOCOUTQ lumps together, apart, and the window that explains a full queue beside an emptying peer.
      const t = k.tcp;
      const closed = t.windowOpen === 0 && t.unsent > 0;
      parts.push(
        h('div', {
          class: `gauge-detail tcp-seq${closed ? ' window-closed' : ''}`,
          dataset: { gauge: 'tcpSeq', unsent: t.unsent, unacked: t.unacked, window: t.windowOpen },
          text:
            `unsent ${bytes(t.unsent, true)} · sent, not yet ACKed ${bytes(t.unacked, true)} · the peer's window: ${bytes(t.windowOpen, true)} open` +
            (closed ? ` — closed: the ${bytes(t.unsent, true)} unsent wait for the peer to read and advertise room` : ''),
        }),
      );
    }
  } else {
    parts.push(
      meter({
        key: 'kernel',
        label: 'kernel send queue',
        value: c.kernelSendQueue,
        max: Math.max(c.kernelSendQueue, 1),
        text: `SIOCOUTQ ${bytes(c.kernelSendQueue, true)}`,
        detail: c.name === null ? 'closed' : 'the kernel’s accounting is not available for this socket',
        cls: 'f-kernel',
      }),
    );
  }
  if (c.peerReceiveQueue !== null) {
    parts.push(
      meter({
        key: 'peer',
        label: `peer receive queue${c.peer ? ` (${c.peer})` : ''}`,
        value: c.peerReceiveQueue,
        // A stream AF_UNIX socket does not enforce its own SO_RCVBUF: what the server may have here is bounded by the server's SO_SNDBUF.
        max: c.kernel?.family === 'unix' ? c.kernel.sndbuf : (c.peerRcvbuf ?? Math.max(c.peerReceiveQueue, 1)),
        text:
          c.kernel?.family === 'unix'
            ? `${bytes(c.peerReceiveQueue, true)} unread — bounded by the server’s SO_SNDBUF (${bytes(c.kernel.sndbuf)}), not this socket’s SO_RCVBUF`
            : `${bytes(c.peerReceiveQueue, true)}${c.peerRcvbuf ? ` of SO_RCVBUF ${bytes(c.peerRcvbuf)}` : ''}`,
        detail:
          c.kernel?.family === 'unix'
            ? 'SIOCINQ: arrived at the peer, not yet read by it. AF_UNIX charges these bytes to the sender (the bar above, as skb memory) until the peer reads them.'
            : 'SIOCINQ: arrived at the peer, not yet read by it. The server stops sending at the window the peer last advertised, not at this queue: the window can be closed while this queue is small, since a partly read segment keeps its whole memory charged and the peer advertises no room smaller than one segment.',
        cls: 'f-peer',
      }),
    );
  } else {
    const why = ctx.sampled === 'snapshots' ? 'not known (the peer is another process, maybe another machine)' : 'no peer socket (closed)';
    parts.push(h('div', { class: 'gauge muted', dataset: { gauge: 'peer' }, text: `peer receive queue: ${why}` }));
  }
  return h(
    'section',
    { class: 'conn', dataset: { conn: c.id }, attrs: { 'aria-label': title } },
    h('h4', {}, h('span', { text: title }), h('span', { class: 'conn-flags', text: flags.join(' · ') })),
    h('h5', { class: 'gauge-group', text: 'Send side (server → client)' }),
    ...parts,
    ...receiveSide(c),
  );
}

export function renderGauges(el: HTMLElement, ctx: GaugeContext | null): void {
  if (!ctx) {
    replace(el, h('p', { class: 'muted', text: 'No run yet.' }));
    return;
  }
  const { frame, model, cursor } = ctx;
  if (!frame) {
    // A trace without snapshots (imported): only what the trace itself says.
    const i = Math.max(0, Math.min(cursor, model.n - 1));
    const written = model.written[i] ?? 0;
    const delivered = model.delivered[i] ?? 0;
    const lines: HTMLElement[] = [
      h(
        'p',
        { class: 'muted' },
        'Buffer levels are not part of a trace: they come from the simulation’s snapshots after each reactor step, so they show for runs made here. From the trace up to this event:',
      ),
      h('p', { dataset: { gauge: 'written' }, text: `reactor wrote ${bytes(written, true)}; read ${bytes(model.reactorRead[i] ?? 0, true)}` }),
    ];
    if (model.hasPeers) lines.push(h('p', { dataset: { gauge: 'delivered' }, text: `peers read ${bytes(delivered, true)}; in flight or buffered: ${bytes(written - delivered, true)}` }));
    replace(el, ...lines);
    return;
  }
  const live = ctx.sampled === 'snapshots';
  const at = model.records.get(frame.records - 1)?.seq;
  const note = live
    ? `The server's snapshot at t=${num(Math.round(frame.time))} ms${at !== undefined ? ` (after event #${at})` : ''}.`
    : ctx.exact
      ? `Up to event #${at ?? frame.records}, exactly: the state from this event until the next one (the same run made again, looked at here; after reactor step ${frame.step}).`
      : frame.step === 0
        ? 'Before the first reactor step.'
        : `After reactor step ${frame.step} (event #${at ?? frame.records}).`;
  const lag = live
    ? ' The server sends a snapshot about every 250 ms: the events since then are not reflected yet.'
    : ctx.computing
      ? ` The state up to this event is being computed (the same run made again, up to here); meanwhile this is ${frame.step === 0 ? 'the state before the first step' : 'the last step’s end'}.`
      : ctx.waiting
        ? ` The state up to this event is computed once the cursor rests here (a long run is made again for it); meanwhile this is ${frame.step === 0 ? 'the state before the first step' : 'the last step’s end'}.`
        : ctx.exactFailed
          ? ` The state up to this event could not be computed (${ctx.exactFailed}): ${frame.step === 0 ? 'this is the state before the first step' : 'this is the last step’s end, the events since are not reflected'}.`
          : ' Buffers are sampled after each reactor step: the events since then are not reflected yet.';
  const head = h(
    'p',
    { class: 'frame-note', dataset: { step: frame.step, exact: String(ctx.exact === true), computing: String(ctx.computing === true) } },
    note,
    ctx.lagging ? h('span', { class: 'lag', text: lag }) : null,
  );
  if (frame.conns.length === 0) {
    // Accepted in this step, after the snapshot the panel shows: the trace says so at once.
    const accepted: string[] = [];
    let now: InterestNow | undefined;
    for (let k = Math.max(0, ctx.exact ? (ctx.stepStart ?? frame.records) : frame.records); k <= Math.min(cursor, model.n - 1); k++) {
      const r = model.records.get(k);
      if (r && r.call === 'accept' && typeof r.created === 'string' && (r.actor === 'reactor' || r.actor.startsWith('reactor-'))) {
        const on = epolloutAt(r.created, (now ??= interestNow(ctx)));
        const out = on === null ? ', not registered yet' : on ? ', EPOLLOUT on' : ', EPOLLOUT off';
        accepted.push(`${r.created} (event #${r.seq}${out})`);
      }
    }
    const text =
      accepted.length > 0
        ? ctx.exact
          ? `Accepted in this step: ${accepted.join(', ')}. Its buffers show from its connection event on (the app's record that follows the accept): the simulation counts a connection from there.`
          : `Accepted in this step: ${accepted.join(', ')}. Its buffer levels show after the step, when the simulation takes its next snapshot.`
        : 'No connection accepted yet.';
    replace(el, head, h('p', { class: 'muted', dataset: { accepted: accepted.length }, text }));
    return;
  }
  const now = interestNow(ctx);
  if (ctx.showAll || frame.conns.length <= MAX_SHOWN) {
    const less =
      frame.conns.length > MAX_SHOWN
        ? h('button', { class: 'link', attrs: { type: 'button' }, text: 'Show only the busiest connections', on: { click: () => ctx.onShowAll(false) } })
        : null;
    replace(el, head, ...frame.conns.map((c) => connBlock(c, ctx, now)), less);
    return;
  }
  // Many connections: those holding bytes first, then by id; the rest in one line.
  const order = [...frame.conns].sort((a, b) => Number(busy(b)) - Number(busy(a)) || a.id - b.id);
  const shown = order.slice(0, MAX_SHOWN).sort((a, b) => a.id - b.id);
  const rest = order.slice(MAX_SHOWN);
  const idle = rest.filter((c) => !busy(c)).length;
  replace(
    el,
    head,
    ...shown.map((c) => connBlock(c, ctx, now)),
    h(
      'p',
      { class: 'more-conns' },
      `${rest.length} more connection${rest.length === 1 ? '' : 's'} (${idle === rest.length ? 'all buffers empty' : `${rest.length - idle} holding bytes`}). `,
      h('button', { class: 'link', attrs: { type: 'button' }, text: `Show all ${frame.conns.length}`, on: { click: () => ctx.onShowAll(true) } }),
    ),
  );
}
