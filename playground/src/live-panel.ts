// The Live panel: attaches the page to a real server's live view (`edgeloop
// serve --live`, createServer({ live }); docs/live-view.md) and shows it in
// the same views as a run: the timeline, the epoll interest list and the
// buffer gauges at the cursor, here following the newest record. Pause
// freezes what is shown while records keep coming into the page's window
// (bounded: the newest LIVE_WINDOW); Resume shows them. The panel itself says
// how the connection stands and lists the server's connections now.
import { bytes, num, shortEvents } from './format.js';
import { field, h, replace } from './dom.js';
import { LIVE_WINDOW, LiveFeed, liveUrlProblem } from './live-feed.js';
import { computeMoments } from './moments.js';
import { FrameList } from './frame-list.js';
import type { Session } from './session.js';

/** At most this often the shown session is rebuilt while following (a 50,000-record window takes a few ms). */
const RENDER_MS = 250;
/** Rows of the connections table (the busiest; the rest counted). */
const MAX_ROWS = 200;

export interface LiveHooks {
  /** Shows a live session (replacing whatever is shown); `follow`: put the cursor on its newest record. */
  show(session: Session, follow: boolean): void;
}

export class LivePanel {
  readonly el: HTMLElement;
  private readonly url: HTMLInputElement;
  private readonly attachBtn: HTMLButtonElement;
  private readonly detachBtn: HTMLButtonElement;
  private readonly pauseBtn: HTMLButtonElement;
  private readonly status: HTMLElement;
  private readonly counts: HTMLElement;
  private readonly conns: HTMLElement;
  private feed: LiveFeed | null = null;
  private paused = false;
  /** Records received when the page paused. */
  private pausedAt = 0;
  /** The newest record shown (seq). */
  private shownSeq = 0;
  private timer: ReturnType<typeof setInterval> | null = null;
  private dirty = false;
  /** The first view of this attachment is shown (it waits for the first snapshot: the lists the records start from). */
  private shown = false;

  constructor(private readonly hooks: LiveHooks) {
    this.url = h('input', { id: 'live-url', attrs: { type: 'text', placeholder: 'ws://127.0.0.1:9001', spellcheck: 'false', autocomplete: 'off' } });
    this.url.addEventListener('keydown', (ev) => {
      if (ev.key === 'Enter') this.attach(this.url.value.trim());
    });
    this.attachBtn = h('button', { id: 'live-attach', class: 'primary', attrs: { type: 'button' }, text: 'Attach', on: { click: () => this.attach(this.url.value.trim()) } });
    this.detachBtn = h('button', { id: 'live-detach', attrs: { type: 'button', hidden: true }, text: 'Detach', on: { click: () => this.detach() } });
    this.pauseBtn = h('button', {
      id: 'live-pause',
      attrs: { type: 'button', hidden: true, 'aria-pressed': 'false' },
      text: '⏸ Pause',
      title: 'Freeze what is shown; records keep coming into the page (the newest 50,000 kept) and show on Resume',
      on: { click: () => this.togglePause() },
    });
    this.status = h('p', { id: 'live-status', class: 'live-status', attrs: { role: 'status' }, dataset: { state: 'idle' }, text: 'Not attached.' });
    this.counts = h('p', { id: 'live-counts', class: 'muted small' });
    this.conns = h('div', { id: 'live-conns', class: 'live-conns' });
    this.el = h(
      'section',
      { id: 'live', attrs: { 'aria-label': 'live view' } },
      h('h2', { text: 'Live view' }),
      h('p', {
        class: 'muted',
        text: 'Attach to a real server started with edgeloop serve --live (or createServer({ live })): its trace, connections and interest list as they happen.',
      }),
      field('Server (its live view)', this.url, 'The ws:// address edgeloop serve --live prints; loopback only.'),
      h('div', { class: 'buttons' }, this.attachBtn, this.detachBtn, this.pauseBtn),
      this.status,
      this.counts,
      this.conns,
    );
  }

  get active(): boolean {
    return this.feed !== null && (this.feed.state === 'connecting' || this.feed.state === 'open');
  }

  /** Attaches to `url` (from the field, or a #live= link). */
  attach(url: string): void {
    this.detach(false);
    this.url.value = url;
    const problem = liveUrlProblem(url);
    if (problem) {
      this.setStatus('error', `Cannot attach: ${problem}.`);
      return;
    }
    this.paused = false;
    this.shown = false;
    this.shownSeq = 0;
    this.feed = new LiveFeed(url, { changed: () => this.changed() });
    this.setStatus('connecting', `Connecting to ${url}…`);
    this.attachBtn.hidden = true;
    this.detachBtn.hidden = false;
    this.pauseBtn.hidden = false;
    this.renderPause();
    this.timer = setInterval(() => this.tick(), RENDER_MS);
  }

  /** Closes the live view (the page keeps showing the last window, as a trace). */
  detach(say = true): void {
    if (!this.feed) return;
    this.feed.detach();
    this.stop();
    if (say) this.setStatus('closed', 'Detached. The views keep the last window shown; attach again to follow the server.');
  }

  private stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.attachBtn.hidden = false;
    this.detachBtn.hidden = true;
    this.pauseBtn.hidden = true;
  }

  /** Freezes what is shown (a click on the timeline while following does it). */
  pause(): void {
    if (this.active && !this.paused) this.togglePause();
  }

  private togglePause(): void {
    const feed = this.feed;
    if (!feed) return;
    this.paused = !this.paused;
    this.pausedAt = feed.received;
    this.renderPause();
    if (!this.paused) this.render(true);
    this.renderCounts();
  }

  private renderPause(): void {
    this.pauseBtn.textContent = this.paused ? '▶ Resume' : '⏸ Pause';
    this.pauseBtn.setAttribute('aria-pressed', String(this.paused));
    this.el.dataset.paused = String(this.paused);
  }

  private changed(): void {
    this.dirty = true;
    const feed = this.feed as LiveFeed;
    if (feed.state === 'closed' || feed.state === 'error') {
      // What came last is shown (unless paused: the page keeps what the user is looking at).
      if (!this.paused) this.render(true);
      this.stop();
      this.describe();
    } else if (feed.state === 'open') {
      if (this.status.dataset.state !== 'open') this.describe();
      // The first view as soon as there is one, not a tick later.
      if (!this.shown && feed.latest) this.render(true);
    }
  }

  private tick(): void {
    if (!this.dirty || !this.feed) return;
    this.dirty = false;
    if (!this.paused) this.render(true);
    this.renderCounts();
    this.renderConnections();
  }

  /** The window as a session, shown following its newest record. */
  private render(follow: boolean): void {
    const feed = this.feed;
    if (!feed || !feed.hello) return;
    const { model, frames: snapshots } = feed.model();
    const frames = FrameList.of(snapshots);
    const o = feed.hello.options;
    const session: Session = {
      model,
      frames,
      outcome: null,
      variant: null,
      source: { live: feed.url, title: `Live: ${feed.hello.server.address} · ${o.app}${o.threads ? ` · ${o.threads} threads` : ''} · edgeloop ${feed.hello.version}` },
      stepEnds: model.reactorWaits.slice(),
      peakSendBuf: frames.peakSendBuf,
      highWaterMark: o.highWaterMark,
      moments: computeMoments(model.records),
      verdict: null,
      // A live server cannot be run again: its snapshots are what there is.
      exact: null,
    };
    this.shownSeq = model.records.get(model.n - 1)?.seq ?? this.shownSeq;
    this.shown = true;
    this.hooks.show(session, follow);
    this.renderCounts();
    this.renderConnections();
    document.body.dataset.state = 'ready';
  }

  private describe(): void {
    const feed = this.feed;
    if (!feed) return;
    const hello = feed.hello;
    switch (feed.state) {
      case 'open':
        this.setStatus('open', `● Attached to ${hello?.server.address ?? feed.url} (edgeloop ${hello?.version ?? '?'}, ${hello?.options.app ?? '?'}) at ${feed.url}.`);
        return;
      case 'closed':
        this.setStatus('closed', feed.closedByServer ? `Closed by the server (${feed.detail}). The views keep the last window.` : `Closed: ${feed.detail}. The views keep the last window.`);
        return;
      case 'error':
        this.setStatus('error', `Error: ${feed.detail}.`);
        return;
      default:
        return;
    }
  }

  private setStatus(state: string, text: string): void {
    this.status.dataset.state = state;
    this.status.className = `live-status ${state}`;
    this.status.textContent = text;
    if (state === 'error') document.body.dataset.state ||= 'error';
  }

  private renderCounts(): void {
    const feed = this.feed;
    if (!feed) return;
    const buffered = this.paused ? feed.received - this.pausedAt : 0;
    const parts = [`${num(feed.received)} records received`, `${num(feed.windowSize)} in the page (the newest ${num(LIVE_WINDOW)} are kept)`];
    if (feed.windowDropped > 0) parts.push(`${num(feed.windowDropped)} older ones dropped`);
    if (feed.serverDropped > 0) parts.push(`${num(feed.serverDropped)} not sent by the server in ${feed.gaps} gap${feed.gaps === 1 ? '' : 's'} (the page fell behind)`);
    if (this.paused) parts.push(`paused: ${num(buffered)} new since, shown on Resume`);
    const s = feed.stats;
    if (s) parts.push(`server: ${num(s.connectionsOpen)} open, ${num(s.connectionsTotal)} accepted, ${bytes(s.bytesIn)} in, ${bytes(s.bytesOut)} out`);
    replace(this.counts, `${parts.join(' · ')}.`);
    Object.assign(this.counts.dataset, {
      received: String(feed.received),
      window: String(feed.windowSize),
      dropped: String(feed.windowDropped),
      serverDropped: String(feed.serverDropped),
      buffered: String(buffered),
      shownSeq: String(this.shownSeq),
      lastSeq: String(feed.lastSeq),
    });
  }

  /** The server's connections now (the latest snapshot, paused or not): the panel is the server's state, the views are the cursor's. */
  private renderConnections(): void {
    const snap = this.feed?.latest;
    if (!snap) {
      replace(this.conns);
      return;
    }
    const all = snap.snapshot.connections;
    const held = (c: (typeof all)[number]): number => c.sendBuf + c.kernelSendQueue + c.readBuf;
    const rows = all.length > MAX_ROWS ? [...all].sort((a, b) => held(b) - held(a) || a.id - b.id).slice(0, MAX_ROWS).sort((a, b) => a.id - b.id) : all;
    const more = all.length - rows.length + snap.omitted;
    const loops = (this.feed?.hello?.threads ?? 0) > 0;
    const heads = ['id', 'socket', ...(loops ? ['loop'] : []), 'state', 'interest', 'send_buf_', 'SIOCOUTQ'];
    replace(
      this.conns,
      h(
        'table',
        { class: 'interest live-conn-table', attrs: { 'aria-label': 'the server’s connections now' } },
        h('caption', { text: `Connections now: ${num(snap.snapshot.connections.length + snap.omitted)} open (t=${num(Math.round(snap.snapshot.time))} ms)` }),
        h(
          'thead',
          {},
          h('tr', {}, ...heads.map((t) => h('th', { text: t }))),
        ),
        h(
          'tbody',
          {},
          ...(rows.length
            ? rows.map((c) =>
                h(
                  'tr',
                  { dataset: { conn: c.id, fd: c.fd } },
                  h('td', { text: String(c.id) }),
                  h('td', { text: c.name ?? String(c.fd), title: `fd ${c.fd}` }),
                  loops ? h('td', { text: String(c.loop), title: c.loop === 0 ? 'the main reactor' : `sub-reactor ${c.loop}` }) : null,
                  h('td', { text: c.state + (c.reading ? '' : ' (not reading)') }),
                  h('td', { class: 'mask', text: shortEvents(c.interest), title: c.interest }),
                  h('td', { text: bytes(c.sendBuf), title: `read, not yet consumed: ${bytes(c.readBuf)}` }),
                  h('td', { text: bytes(c.kernelSendQueue) }),
                ),
              )
            : [h('tr', {}, h('td', { attrs: { colspan: heads.length }, class: 'muted', text: 'none' }))]),
        ),
      ),
      more > 0 ? h('p', { class: 'muted small', text: `${num(more)} more not listed (the busiest are).` }) : null,
    );
  }
}
