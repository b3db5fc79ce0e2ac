// A tiny DOM builder. Everything that comes from data (a trace, a link, a
// scenario file) reaches the page as text only: strings become text nodes
// or textContent, attributes are set one by one (never an on* handler, never
// innerHTML). This file is the only place that creates elements.

export type Child = Node | string | number | null | undefined | false;

export interface Props {
  class?: string;
  id?: string;
  /** textContent (replaces children). */
  text?: string;
  title?: string;
  /** Attributes (aria-*, role, type, for...). Names starting with "on" are refused. */
  attrs?: Record<string, string | number | boolean | null | undefined>;
  dataset?: Record<string, string | number>;
  on?: { [K in keyof HTMLElementEventMap]?: (ev: HTMLElementEventMap[K]) => void };
  style?: Partial<Record<'width' | 'height' | 'left' | 'top' | 'transform' | 'display', string>>;
}

export function setAttrs(el: Element, attrs: NonNullable<Props['attrs']>): void {
  for (const [k, v] of Object.entries(attrs)) {
    if (k.toLowerCase().startsWith('on')) throw new Error(`dom: refusing to set event attribute ${k}`);
    if (v === null || v === undefined || v === false) el.removeAttribute(k);
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function h<K extends keyof HTMLElementTagNameMap>(tag: K, props: Props = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  if (props.class) el.className = props.class;
  if (props.id) el.id = props.id;
  if (props.title !== undefined) el.title = props.title;
  if (props.attrs) setAttrs(el, props.attrs);
  if (props.dataset) for (const [k, v] of Object.entries(props.dataset)) el.dataset[k] = String(v);
  if (props.style) for (const [k, v] of Object.entries(props.style)) el.style.setProperty(k, v ?? '');
  if (props.on) {
    for (const [type, fn] of Object.entries(props.on)) el.addEventListener(type, fn as EventListener);
  }
  if (props.text !== undefined) el.textContent = props.text;
  append(el, children);
  return el;
}

export function append(el: Element, children: Child[]): void {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    el.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
}

/** Replaces all children of `el`. */
export function replace(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  append(el, children);
}

export function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`dom: no element #${id}`);
  return el as T;
}

/** A labelled form control: <label for=id>text</label> control. */
export function field(label: string, control: HTMLElement, hint?: string): HTMLElement {
  const id = control.id || `f-${label.toLowerCase().replace(/[^a-z0-9]+/g, '-')}`;
  control.id = id;
  const children: Child[] = [h('label', { attrs: { for: id }, text: label }), control];
  if (hint) {
    const hintId = `${id}-hint`;
    control.setAttribute('aria-describedby', hintId);
    children.push(h('div', { class: 'hint', id: hintId, text: hint }));
  }
  return h('div', { class: 'field' }, ...children);
}

/** A <select> of [value, text] options. */
export function select(id: string, options: ReadonlyArray<readonly [string, string]>): HTMLSelectElement {
  return h('select', { id }, ...options.map(([v, t]) => h('option', { attrs: { value: v }, text: t })));
}

/**
 * A canvas's 2D context drawn in CSS pixels: its backing store sized to its
 * box at the device's pixel ratio (at least minW x minH), the transform set,
 * and cleared. Null when the browser gives no context.
 */
export function canvasContext(canvas: HTMLCanvasElement, minW: number, minH: number): { g: CanvasRenderingContext2D; w: number; hgt: number } | null {
  const dpr = window.devicePixelRatio || 1;
  const w = Math.max(minW, canvas.clientWidth);
  const hgt = Math.max(minH, canvas.clientHeight);
  if (canvas.width !== Math.round(w * dpr) || canvas.height !== Math.round(hgt * dpr)) {
    canvas.width = Math.round(w * dpr);
    canvas.height = Math.round(hgt * dpr);
  }
  const g = canvas.getContext('2d');
  if (!g) return null;
  g.setTransform(dpr, 0, 0, dpr, 0, 0);
  g.clearRect(0, 0, w, hgt);
  return { g, w, hgt };
}

/**
 * A plot's box, with its top and bottom values written at its left edge:
 * what the bytes plot and the sequence graph both draw first. Leaves the
 * axis font, its colour and right alignment set for more labels.
 */
export function axisBox(g: CanvasRenderingContext2D, left: number, top: number, width: number, height: number, topLabel: string, bottomLabel: string): void {
  g.strokeStyle = '#c8c8c8';
  g.setLineDash([]);
  g.lineWidth = 1;
  g.strokeRect(left + 0.5, top + 0.5, width, height);
  g.fillStyle = '#333';
  g.font = '11px system-ui, sans-serif';
  g.textAlign = 'right';
  g.fillText(topLabel, left - 4, top + 10);
  g.fillText(bottomLabel, left - 4, top + height);
}
