// Bytes over the trace (x: event number): cumulative bytes written by the
// reactor and delivered to (read by) the peers on top; below, what is
// buffered after each step: the reactor's send_buf_, the kernel's send
// queues (SIOCOUTQ) and the peers' receive queues (SIOCINQ), on a linear or
// a logarithmic scale (a 16 MiB send_buf_ flattens a 64 KiB socket queue to
// nothing on a linear one). Bytes dropped are red marks on the top panel,
// wakeups that moved nothing grey ticks under the bottom one (moments.ts).
// A canvas, one pass per pixel column, so 200,000 events draw as fast as
// 200. Each series has its own dash pattern and a text legend with the value
// at the cursor. The x axis is the event number, or the time (t: virtual ms
// on the sim, ms since open on a real server's trace) when the clock moved.
import { axisBox, canvasContext, h, replace } from './dom.js';
import { axisBytes, bytes } from './format.js';
import type { FrameList } from './frame-list.js';
import type { Moments } from './moments.js';
import { lowerBound } from './search.js';
import type { TraceModel } from './trace-model.js';

export type PlotScale = 'linear' | 'log';
export type PlotAxis = 'events' | 'time';

interface Series {
  key: string;
  label: string;
  color: string;
  dash: number[];
  css: string;
}

const TOP: Series[] = [
  { key: 'written', label: 'written by the reactor', color: '#1f5fbf', dash: [], css: 'solid' },
  { key: 'delivered', label: 'read by peers', color: '#2e7d32', dash: [6, 4], css: 'dashed' },
];
const BOTTOM: Series[] = [
  { key: 'sendBuf', label: 'app send_buf_', color: '#b04a00', dash: [], css: 'solid' },
  { key: 'kernel', label: 'kernel send queues', color: '#6a1b9a', dash: [6, 4], css: 'dashed' },
  { key: 'peer', label: 'peer receive queues', color: '#00796b', dash: [2, 3], css: 'dotted' },
];
const IN_FLIGHT: Series = { key: 'inflight', label: 'written − read by peers', color: '#b04a00', dash: [], css: 'solid' };

export class Plot {
  readonly el: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly legend: HTMLElement;
  private model: TraceModel | null = null;
  private frames: FrameList | null = null;
  private sums: { sendBuf: Float64Array; kernel: Float64Array; peer: Float64Array } | null = null;
  private cursor = 0;
  private raf = 0;
  private scale: PlotScale = 'linear';
  /** Indexes of the records where bytes were dropped, and of the wakeups that moved nothing; the bytes dropped in all. */
  private marks: { dropped: number[]; droppedBytes: number; wasted: number[] } = { dropped: [], droppedBytes: 0, wasted: [] };
  private readonly scaleBtn: HTMLButtonElement;
  private readonly axisBtn: HTMLButtonElement;
  private axis: PlotAxis = 'events';
  /** The record shown at each pixel column, as last drawn (a click picks it). */
  private idxAtPx: Int32Array = new Int32Array(0);
  /** The run is AF_UNIX (its frames' kernel accounting says so). */
  private unix = false;

  constructor(private readonly onPick: (i: number) => void) {
    this.canvas = h('canvas', { class: 'plot-canvas', attrs: { role: 'img', 'aria-label': 'bytes over time' } });
    this.legend = h('div', { class: 'legend' });
    this.scaleBtn = h('button', {
      class: 'plot-scale',
      attrs: { type: 'button', 'aria-pressed': 'false' },
      text: 'Buffered: log scale',
      title: 'Draw the buffered bytes on a logarithmic scale, so small socket queues show beside a large send_buf_',
      on: { click: () => this.setScale(this.scale === 'linear' ? 'log' : 'linear') },
    }) as HTMLButtonElement;
    this.axisBtn = h('button', {
      class: 'plot-btn plot-axis',
      attrs: { type: 'button', 'aria-pressed': 'false' },
      text: 'x: time (ms)',
      title: 'Put time on the x axis instead of the event number',
      on: { click: () => this.setAxis(this.axis === 'events' ? 'time' : 'events') },
    }) as HTMLButtonElement;
    this.el = h('div', { class: 'plot', dataset: { scale: this.scale, axis: this.axis } }, h('div', { class: 'plot-buttons' }, this.axisBtn, this.scaleBtn), this.canvas, this.legend);
    this.canvas.addEventListener('click', (ev) => {
      if (!this.model || this.model.n === 0) return;
      const rect = this.canvas.getBoundingClientRect();
      const x = Math.min(Math.max(ev.clientX - rect.left - PAD_L, 0), rect.width - PAD_L - PAD_R);
      const px = Math.round((x / Math.max(1, rect.width - PAD_L - PAD_R)) * (this.idxAtPx.length - 1));
      this.onPick(this.idxAtPx[px] ?? 0);
    });
    new ResizeObserver(() => this.schedule()).observe(this.canvas);
  }

  setData(model: TraceModel | null, frames: FrameList | null): void {
    this.model = model;
    // Time on the x axis only where the clock moved (on the sim it moves only when the run lets time pass).
    const moved = model !== null && model.n > 1 && (model.t[model.n - 1] as number) > (model.t[0] as number);
    this.axisBtn.disabled = !moved;
    this.axisBtn.title = moved
      ? 'Put time on the x axis instead of the event number'
      : model?.header.kernel === 'sim'
        ? 'The virtual clock did not move in this run (every event at the same t): time on the x axis would put them all at one point'
        : 'Every event of this trace has the same t';
    if (!moved && this.axis === 'time') this.setAxis('events');
    this.frames = frames;
    this.unix = frames?.unix ?? false;
    // Summed over each frame's connections where the frames were made (frame-list.ts).
    this.sums = frames ? frames.sums : null;
    this.schedule();
  }

  setCursor(i: number): void {
    this.cursor = i;
    this.schedule();
  }

  setScale(scale: PlotScale): void {
    this.scale = scale;
    this.el.dataset.scale = scale;
    this.scaleBtn.setAttribute('aria-pressed', String(scale === 'log'));
    this.scaleBtn.textContent = scale === 'log' ? 'Buffered: linear scale' : 'Buffered: log scale';
    this.schedule();
  }

  setAxis(axis: PlotAxis): void {
    this.axis = axis;
    this.el.dataset.axis = axis;
    this.axisBtn.setAttribute('aria-pressed', String(axis === 'time'));
    this.axisBtn.textContent = axis === 'time' ? 'x: events' : 'x: time (ms)';
    this.schedule();
  }

  setMoments(m: Moments | null): void {
    this.marks = {
      dropped: m?.occurrences.get('data-dropped') ?? [],
      droppedBytes: m?.byName.get('data-dropped')?.bytes ?? 0,
      wasted: m?.occurrences.get('wakeup-no-progress') ?? [],
    };
    this.schedule();
  }

  private schedule(): void {
    if (this.raf) return;
    this.raf = requestAnimationFrame(() => {
      this.raf = 0;
      this.draw();
    });
  }

  private legendItem(s: Series, value: string): HTMLElement {
    const swatch = h('span', { class: 'swatch' });
    swatch.style.setProperty('border-top', `3px ${s.css} ${s.color}`);
    // AF_UNIX has no send queue: the server's SIOCOUTQ is the memory charged for the skbs on the peers' receive queues.
    const label = s.key === 'kernel' && this.unix ? 'charged to the server’s SO_SNDBUF (skb memory for the data in the peer queues)' : s.label;
    return h('span', { class: 'legend-item', dataset: { series: s.key } }, swatch, `${label}: `, h('strong', { text: value }));
  }

  draw(): void {
    const model = this.model;
    const c = canvasContext(this.canvas, 50, 60);
    if (!c) return;
    const { g, w, hgt } = c;
    if (!model || model.n === 0) {
      replace(this.legend, h('span', { class: 'muted', text: 'No trace yet.' }));
      return;
    }
    const n = model.n;
    const i = Math.min(Math.max(this.cursor, 0), n - 1);
    const plotW = Math.max(10, Math.floor(w - PAD_L - PAD_R));
    const half = (hgt - PAD_T - PAD_B - GAP) / 2;
    const topY = PAD_T;
    const botY = PAD_T + half + GAP;
    // x: the event number, or t. idxAtPx: the last record at or before each column.
    const time = this.axis === 'time';
    const t0 = model.t[0] as number;
    const span = Math.max(1e-9, (model.t[n - 1] as number) - t0);
    const colOf = (idx: number): number =>
      n <= 1 ? 0 : Math.round((time ? ((model.t[idx] as number) - t0) / span : idx / (n - 1)) * plotW);
    const xOf = (idx: number): number => PAD_L + colOf(idx);
    const idxAtPx = new Int32Array(plotW + 1);
    if (time) {
      let k = 0;
      for (let px = 0; px <= plotW; px++) {
        const until = t0 + (px / plotW) * span;
        while (k + 1 < n && (model.t[k + 1] as number) <= until) k++;
        idxAtPx[px] = k;
      }
    } else {
      for (let px = 0; px <= plotW; px++) idxAtPx[px] = Math.min(n - 1, Math.floor(((px + 1) / plotW) * n));
    }
    this.idxAtPx = idxAtPx;

    // Top: cumulative bytes.
    const topSeries = model.hasPeers ? TOP : [TOP[0] as Series];
    const topMax = Math.max(1, model.written[n - 1] ?? 0, model.delivered[n - 1] ?? 0);
    this.frame(g, topY, half, plotW, topMax, 'cumulative');
    for (const s of topSeries) {
      const arr = s.key === 'written' ? model.written : model.delivered;
      this.line(g, s, plotW, (px) => arr[idxAtPx[px] as number] ?? 0, topY, half, topMax);
    }

    // Bottom: buffered.
    let bottom: Series[] = [];
    let valueAt: (s: Series, idx: number) => number = () => 0;
    if (this.frames && this.sums) {
      const frames = this.frames;
      const sums = this.sums;
      const cols: Record<string, Float64Array> = { sendBuf: new Float64Array(plotW + 1), kernel: new Float64Array(plotW + 1), peer: new Float64Array(plotW + 1) };
      const seen = new Uint8Array(plotW + 1);
      for (let k = 0; k < frames.length; k++) {
        const px = colOf(Math.min(n - 1, Math.max(frames.recordsAt(k) - 1, 0)));
        for (const key of ['sendBuf', 'kernel', 'peer'] as const) {
          const c = cols[key] as Float64Array;
          c[px] = Math.max(c[px] as number, sums[key][k] as number);
        }
        seen[px] = 1;
      }
      // Carry the last value across columns without a frame.
      for (const key of Object.keys(cols)) {
        const c = cols[key] as Float64Array;
        for (let px = 1; px <= plotW; px++) if (!seen[px]) c[px] = c[px - 1] as number;
      }
      bottom = BOTTOM;
      const botMax = Math.max(1, ...Object.values(cols).map((c) => c.reduce((a, b) => Math.max(a, b), 0)));
      const log = this.scale === 'log';
      this.frame(g, botY, half, plotW, botMax, log ? 'buffered (log scale)' : 'buffered', log);
      for (const s of bottom) this.line(g, s, plotW, (px) => (cols[s.key] as Float64Array)[px] ?? 0, botY, half, botMax, log);
      valueAt = (s, idx) => (sums[s.key as 'sendBuf'][frames.frameAt(idx)] as number) ?? 0;
    } else if (model.hasPeers) {
      bottom = [IN_FLIGHT];
      let botMax = 1;
      for (let k = 0; k < n; k++) botMax = Math.max(botMax, (model.written[k] as number) - (model.delivered[k] as number));
      this.frame(g, botY, half, plotW, botMax, 'in flight');
      this.line(
        g,
        IN_FLIGHT,
        plotW,
        (px) => {
          const k = idxAtPx[px] as number;
          return (model.written[k] as number) - (model.delivered[k] as number);
        },
        botY,
        half,
        botMax,
      );
      valueAt = (_s, idx) => (model.written[idx] as number) - (model.delivered[idx] as number);
    } else {
      g.fillStyle = '#555';
      g.font = '12px system-ui, sans-serif';
      g.fillText('buffer levels: not in this trace', PAD_L + 6, botY + half / 2);
    }

    // Bytes dropped (red, on the top panel) and wakeups that moved nothing (grey ticks under the bottom one).
    g.setLineDash([]);
    g.lineWidth = 1;
    g.strokeStyle = '#8a8a8a';
    g.beginPath();
    for (const k of this.marks.wasted) {
      const x = Math.round(xOf(k)) + 0.5;
      g.moveTo(x, hgt - PAD_B - 6);
      g.lineTo(x, hgt - PAD_B);
    }
    g.stroke();
    g.fillStyle = '#c62828';
    for (const k of this.marks.dropped) {
      const x = xOf(k);
      g.beginPath();
      g.moveTo(x - 4, topY + 1);
      g.lineTo(x + 4, topY + 1);
      g.lineTo(x, topY + 8);
      g.closePath();
      g.fill();
    }

    // Cursor.
    const cx = xOf(i);
    g.strokeStyle = '#000';
    g.setLineDash([]);
    g.lineWidth = 1;
    g.beginPath();
    g.moveTo(cx + 0.5, PAD_T);
    g.lineTo(cx + 0.5, hgt - PAD_B);
    g.stroke();
    g.fillStyle = '#333';
    g.font = '11px system-ui, sans-serif';
    g.fillText(
      time
        ? `t = ${fmtMs(model.t[i] as number)} of ${fmtMs((model.t[n - 1] as number) - t0)} (event #${model.records.get(i)?.seq ?? i + 1})`
        : `event #${model.records.get(i)?.seq ?? i + 1} of ${n}`,
      PAD_L,
      hgt - 4,
    );

    // The marks are ascending: how many are at or before the cursor.
    const before = (list: number[]): number => lowerBound(list, i + 1);
    const items = [
      ...topSeries.map((s) => this.legendItem(s, bytes((s.key === 'written' ? model.written : model.delivered)[i] ?? 0))),
      ...bottom.map((s) => this.legendItem(s, bytes(valueAt(s, i)))),
    ];
    if (this.marks.dropped.length > 0) {
      items.push(this.markItem('dropped', 'data dropped', '#c62828', `${before(this.marks.dropped)} of ${this.marks.dropped.length} drops so far · ${bytes(this.marks.droppedBytes)} in the run`, this.marks.dropped.length));
    }
    if (this.marks.wasted.length > 0) {
      items.push(this.markItem('wasted', 'wakeups that moved nothing', '#8a8a8a', `${before(this.marks.wasted)} of ${this.marks.wasted.length} so far`, this.marks.wasted.length));
    }
    replace(this.legend, ...items);
    this.canvas.setAttribute(
      'aria-label',
      `Bytes over the trace. At event ${i + 1}: written ${bytes(model.written[i] ?? 0)}${model.hasPeers ? `, read by peers ${bytes(model.delivered[i] ?? 0)}` : ''}.`,
    );
  }

  private markItem(key: string, label: string, color: string, value: string, count: number): HTMLElement {
    const swatch = h('span', { class: 'swatch mark' });
    swatch.style.setProperty('background', color);
    return h('span', { class: 'legend-item', dataset: { series: key, count } }, swatch, `${label}: `, h('strong', { text: value }));
  }

  private frame(g: CanvasRenderingContext2D, y: number, hgt: number, plotW: number, max: number, title: string, log = false): void {
    axisBox(g, PAD_L, y, plotW, hgt, axisBytes(max), '0');
    if (log) {
      // Powers of 1,024 between 1 KiB and the top, where they fit.
      for (let v = 1024; v < max; v *= 1024) {
        const yy = y + hgt - logFraction(v, max) * (hgt - 2);
        if (yy > y + 14 && yy < y + hgt - 10) {
          g.fillText(axisBytes(v), PAD_L - 4, yy + 4);
          g.strokeStyle = '#e4e4e4';
          g.beginPath();
          g.moveTo(PAD_L + 1, Math.round(yy) + 0.5);
          g.lineTo(PAD_L + plotW, Math.round(yy) + 0.5);
          g.stroke();
        }
      }
    }
    g.textAlign = 'left';
    g.fillStyle = '#666';
    g.fillText(title, PAD_L + 6, y + 12);
  }

  private line(g: CanvasRenderingContext2D, s: Series, plotW: number, at: (px: number) => number, y: number, hgt: number, max: number, log = false): void {
    g.strokeStyle = s.color;
    g.lineWidth = 2;
    g.setLineDash(s.dash);
    g.beginPath();
    for (let px = 0; px <= plotW; px++) {
      const v = at(px);
      const yy = y + hgt - (log ? logFraction(v, max) : v / max) * (hgt - 2);
      if (px === 0) g.moveTo(PAD_L + px, yy);
      else g.lineTo(PAD_L + px, yy);
    }
    g.stroke();
  }
}

const PAD_L = 58;
const PAD_R = 8;
const PAD_T = 4;
const PAD_B = 16;
const GAP = 10;

/** ms as the axis says them: up to 3 decimals (a real server's trace has µs). */
function fmtMs(ms: number): string {
  return `${Number(ms.toFixed(3)).toLocaleString('en-US')} ms`;
}

/** Where v sits between 0 and max on a logarithmic scale (log(1 + v) / log(1 + max)): 0 stays 0, 1 B is visible. */
function logFraction(v: number, max: number): number {
  return v <= 0 ? 0 : Math.log1p(v) / Math.log1p(max);
}
