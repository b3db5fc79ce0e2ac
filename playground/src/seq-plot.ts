// One TCP connection's send side as a sequence graph, the way Stevens and
// tcptrace draw it: y is the position in the byte stream the server sends
// on the connection (0 = its first byte), x the trace. Four lines, after
// each reactor step: written (write_seq: what the app handed to write()),
// sent (snd_nxt), acknowledged (snd_una) and the window's right edge
// (snd_una + the peer's advertised window). Sent presses against the edge
// when the peer advertises no more room (it counts its receive queue's
// memory, not its bytes, and never offers less than a segment);
// acknowledged lags sent while the peer delays its ACK; the gap from written to sent is what write() left
// queued in the kernel. From the frames (frame-list.ts: the simulated
// kernel's own tcp_sock fields), so only for runs made here.
import { axisBox, canvasContext, h, replace } from './dom.js';
import { axisBytes, bytes } from './format.js';
import type { FrameList, TcpSeqSeries } from './frame-list.js';
import { lastFrameAtOrBefore } from './frames.js';
import type { TraceModel } from './trace-model.js';

interface Line {
  /** Offset in each 4-number group of TcpSeqSeries.seq. */
  at: number;
  key: string;
  label: string;
  color: string;
  dash: number[];
  css: string;
}

const LINES: Line[] = [
  { at: 0, key: 'written', label: 'written (write_seq)', color: '#1f5fbf', dash: [], css: 'solid' },
  { at: 1, key: 'sent', label: 'sent (snd_nxt)', color: '#6a1b9a', dash: [6, 4], css: 'dashed' },
  { at: 2, key: 'acked', label: 'acknowledged (snd_una)', color: '#2e7d32', dash: [], css: 'solid' },
  { at: 3, key: 'edge', label: 'window edge (snd_una + window)', color: '#b04a00', dash: [2, 3], css: 'dotted' },
];

/** Steps each side of the cursor in the close-up: enough to see a window fill and open. */
const NEAR = 8;

const PAD_L = 58;
const PAD_R = 8;
const PAD_T = 4;
const PAD_B = 16;

export class SeqPlot {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly legend: HTMLElement;
  private readonly picker: HTMLSelectElement;
  private model: TraceModel | null = null;
  private frames: FrameList | null = null;
  private series: TcpSeqSeries | null = null;
  private cursor = 0;
  private raf = 0;
  /** Around the cursor (a window's worth of bytes is visible) or the whole run. */
  private near = true;
  private readonly zoomBtn: HTMLButtonElement;
  /** The records the x axis spans, as last drawn (a click picks within them). */
  private span: [number, number] = [0, 0];

  constructor(private readonly onPick: (i: number) => void) {
    this.picker = h('select', { class: 'seq-conn', attrs: { 'aria-label': 'connection whose send sequence is drawn' } }) as HTMLSelectElement;
    this.picker.addEventListener('change', () => {
      this.series = this.frames?.tcpSeq.find((s) => String(s.id) === this.picker.value) ?? null;
      this.schedule();
    });
    this.canvas = h('canvas', { class: 'plot-canvas seq-canvas', attrs: { role: 'img', 'aria-label': 'TCP send sequence' } });
    this.legend = h('div', { class: 'legend' });
    this.canvas.addEventListener('click', (ev) => {
      if (!this.model || this.model.n === 0) return;
      const rect = this.canvas.getBoundingClientRect();
      const x = Math.min(Math.max(ev.clientX - rect.left - PAD_L, 0), rect.width - PAD_L - PAD_R);
      this.onPick(Math.round(this.span[0] + (x / Math.max(1, rect.width - PAD_L - PAD_R)) * (this.span[1] - this.span[0])));
    });
    this.zoomBtn = h('button', {
      class: 'plot-btn seq-zoom',
      attrs: { type: 'button', 'aria-pressed': 'true' },
      text: 'Whole run',
      title: 'Draw the whole run, or a close-up of the steps around the cursor (where the window and the ACKs show)',
      on: {
        click: () => {
          this.near = !this.near;
          this.zoomBtn.setAttribute('aria-pressed', String(this.near));
          this.zoomBtn.textContent = this.near ? 'Whole run' : 'Around the cursor';
          this.el.dataset.view = this.near ? 'near' : 'whole';
          this.schedule();
        },
      },
    }) as HTMLButtonElement;
    this.el = h(
      'div',
      { class: 'seq-plot', attrs: { hidden: true }, dataset: { view: 'near' } },
      this.zoomBtn,
      h(
        'p',
        { class: 'seq-head' },
        h('label', { text: 'TCP send sequence of ' }, this.picker),
        h('span', {
          class: 'muted',
          text: ' — sent stops at (or within one segment of) the window edge, the room the peer last advertised, which it counts by the memory its receive queue takes, not by its bytes (a partly read segment stays charged in full); acknowledged trails sent while the peer delays its ACK.',
        }),
      ),
      this.canvas,
      this.legend,
    );
    new ResizeObserver(() => this.schedule()).observe(this.canvas);
  }

  setData(model: TraceModel | null, frames: FrameList | null): void {
    this.model = model;
    this.frames = frames;
    const all = frames?.tcpSeq ?? [];
    // The connection that sent the most, unless the one picked is still there.
    const keep = this.series ? all.find((s) => s.id === this.series?.id) : undefined;
    const sent = (s: TcpSeqSeries): number => s.seq[s.seq.length - 3] ?? 0;
    this.series = keep ?? all.reduce<TcpSeqSeries | null>((best, s) => (best === null || sent(s) > sent(best) ? s : best), null);
    replace(
      this.picker,
      ...all.map((s) => {
        const o = h('option', { attrs: { value: String(s.id) }, text: `connection ${s.id}${s.name ? ` (${s.name})` : ''}${s.peer ? `, peer ${s.peer}` : ''}` }) as HTMLOptionElement;
        o.selected = s === this.series;
        return o;
      }),
    );
    this.el.hidden = this.series === null;
    this.schedule();
  }

  setCursor(i: number): void {
    this.cursor = i;
    this.schedule();
  }

  private schedule(): void {
    if (this.raf || this.el.hidden) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.draw();
    });
  }

  /** The last of the series' frames whose state holds after record `i`, or -1 before its first. */
  private indexAt(i: number): number {
    const s = this.series;
    const frames = this.frames;
    if (!s || !frames) return -1;
    return lastFrameAtOrBefore(s.frames.length, (k) => frames.recordsAt(s.frames[k] as number), i);
  }

  draw(): void {
    const model = this.model;
    const s = this.series;
    const frames = this.frames;
    const c = canvasContext(this.canvas, 50, 60);
    if (!c || !model || !s || !frames || model.n === 0) return;
    const { g, w, hgt } = c;
    const n = model.n;
    const plotW = Math.max(10, Math.floor(w - PAD_L - PAD_R));
    const plotH = hgt - PAD_T - PAD_B;
    const i = Math.min(Math.max(this.cursor, 0), n - 1);
    const j = this.indexAt(i);
    // The frames drawn: all, or NEAR steps each side of the cursor's.
    const jc = Math.max(0, j);
    const j0 = this.near ? Math.max(0, jc - NEAR) : 0;
    const j1 = this.near ? Math.min(s.frames.length - 1, jc + NEAR) : s.frames.length - 1;
    const at = (k: number): number => Math.max(0, frames.recordsAt(s.frames[k] as number) - 1);
    const x0 = this.near ? at(j0) : 0;
    const x1 = this.near ? Math.max(at(j1), x0 + 1) : Math.max(1, n - 1);
    let min = Infinity;
    let max = -Infinity;
    for (let k = 4 * j0; k < 4 * (j1 + 1); k++) {
      min = Math.min(min, s.seq[k] as number);
      max = Math.max(max, s.seq[k] as number);
    }
    if (!this.near) min = 0;
    if (max <= min) max = min + 1;
    const pxOf = (idx: number): number => Math.round(((Math.min(Math.max(idx, x0), x1) - x0) / (x1 - x0)) * plotW);
    const yOf = (v: number): number => PAD_T + plotH - ((v - min) / (max - min)) * (plotH - 2);
    this.span = [x0, x1];

    axisBox(g, PAD_L, PAD_T, plotW, plotH, axisBytes(max), min === 0 ? '0' : axisBytes(min));
    g.textAlign = 'left';
    g.fillStyle = '#666';
    g.fillText(this.near ? `steps around the cursor (${j1 - j0 + 1} of ${s.frames.length})` : 'the whole run', PAD_L + 6, PAD_T + 12);
    g.save();
    g.beginPath();
    g.rect(PAD_L, PAD_T, plotW + 1, plotH + 1);
    g.clip();

    // Step lines: each frame's value holds from its record to the next frame's.
    for (const line of LINES) {
      g.strokeStyle = line.color;
      g.lineWidth = 2;
      g.setLineDash(line.dash);
      g.beginPath();
      let prevY = 0;
      for (let k = j0; k <= j1; k++) {
        const x = PAD_L + pxOf(at(k));
        const y = yOf(s.seq[4 * k + line.at] as number);
        if (k === j0) g.moveTo(x, y);
        else {
          g.lineTo(x, prevY);
          g.lineTo(x, y);
        }
        prevY = y;
      }
      g.lineTo(PAD_L + (this.near && j1 < s.frames.length - 1 ? pxOf(at(j1)) : plotW), prevY);
      g.stroke();
    }
    g.restore();

    const cx = PAD_L + pxOf(i) + 0.5;
    g.strokeStyle = '#000';
    g.setLineDash([]);
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(cx, PAD_T);
    g.lineTo(cx, PAD_T + plotH);
    g.stroke();

    const v = (off: number): number => (j < 0 ? 0 : (s.seq[4 * j + off] as number));
    const items = LINES.map((line) => {
      const swatch = h('span', { class: 'swatch' });
      swatch.style.setProperty('border-top', `3px ${line.css} ${line.color}`);
      return h('span', { class: 'legend-item', dataset: { series: line.key } }, swatch, `${line.label}: `, h('strong', { text: j < 0 ? '—' : bytes(v(line.at)) }));
    });
    const gaps =
      j < 0
        ? 'not connected yet at this event'
        : `queued, not sent ${bytes(v(0) - v(1))} · in flight ${bytes(v(1) - v(2))} · window left ${bytes(Math.max(0, v(3) - v(1)))}`;
    items.push(h('span', { class: 'legend-item seq-gaps', text: gaps }));
    replace(this.legend, ...items);
    this.canvas.setAttribute(
      'aria-label',
      j < 0
        ? 'TCP send sequence: the connection is not open yet at this event.'
        : `TCP send sequence of connection ${s.id} after the step before the cursor: written ${bytes(v(0))}, sent ${bytes(v(1))}, acknowledged ${bytes(v(2))}, window edge ${bytes(v(3))}.`,
    );
  }
}
