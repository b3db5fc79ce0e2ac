// The epoll interest list (fd, mask) at the cursor, from the trace's
// epoll_ctl records (exact at every event), with the kernel's ready list
// from the frame (after each reactor step), and what the last epoll_wait
// returned.
import { h, replace } from './dom.js';
import { shortEvents } from './format.js';
import type { Frame } from './frames.js';
import type { TraceModel } from './trace-model.js';

export interface EpollContext {
  model: TraceModel;
  cursor: number;
  frame: Frame | null;
  /** The frame is the state right after the event at the cursor (exact-frames.ts), not a step's end. */
  exact?: boolean;
  /** The epoll shown. */
  epoll: string | null;
  /** Why the ready list cannot be shown (a live server: Linux does not tell), or null. */
  readyUnknown?: string | null;
  onEpoll(name: string): void;
}

export function renderEpoll(el: HTMLElement, ctx: EpollContext | null): void {
  if (!ctx || !ctx.epoll) {
    replace(el, h('p', { class: 'muted', text: ctx ? 'This trace has no epoll instance.' : 'No run yet.' }));
    return;
  }
  const { model, cursor, frame, epoll } = ctx;
  const children: HTMLElement[] = [];
  if (model.epolls.length > 1) {
    const select = h(
      'select',
      { id: `ep-select-${Math.random().toString(36).slice(2, 8)}`, on: { change: () => ctx.onEpoll(select.value) } },
      ...model.epolls.map((e) => h('option', { attrs: { value: e.name }, text: `${e.name} (${e.owner})` })),
    );
    select.value = epoll;
    children.push(h('div', { class: 'field inline' }, h('label', { attrs: { for: select.id }, text: 'epoll instance' }), select));
  }
  const isMain = epoll === model.mainEpoll;
  const kernelKnown = frame !== null && (frame.step > 0 || ctx.exact === true) && isMain && !ctx.readyUnknown;
  // When the kernel's lists were read: right after the event at the cursor, or after a reactor step.
  const when = frame === null ? '' : ctx.exact ? `after event #${model.records.get(frame.records - 1)?.seq ?? frame.records}` : `after step ${frame.step}`;
  // The cursor is past the snapshot: the interest list is exact (the trace), the readiness is the step's.
  const lagging = frame !== null && frame.records < cursor + 1;
  const readyFds = new Set(kernelKnown ? frame.interest.filter((e) => e.ready).map((e) => e.fd) : []);
  const items = model.interestAt(cursor, epoll).sort((a, b) => a.fd - b.fd);
  const rows = items.map((it) =>
    h(
      'tr',
      { dataset: { fd: it.fd, name: it.name ?? '' } },
      h('td', { text: String(it.fd) }),
      h('td', { text: it.name ?? '?' }),
      h('td', { class: 'mask', text: shortEvents(it.events), title: it.events }),
      h('td', {
        text: kernelKnown ? (readyFds.has(it.fd) ? 'ready' : '–') : '?',
        // The kernel's ready list is sampled after each reactor step; the mask beside it is the trace's, at the cursor.
        title: kernelKnown
          ? `on the kernel's ready list ${when}${lagging ? ' (the events since may have changed it)' : ''}: a level-triggered item is put back after each report and stays listed until a later epoll_wait polls it and finds nothing`
          : 'not known here',
      }),
    ),
  );
  children.push(
    h(
      'div',
      { class: 'interest-wrap' },
      h(
      'table',
      { class: 'interest', attrs: { 'aria-label': `interest list of ${epoll}` } },
      h('caption', { text: `Interest list of ${epoll} (${items.length})` }),
      h('thead', {}, h('tr', {}, h('th', { text: 'fd' }), h('th', { text: 'name' }), h('th', { text: 'events registered' }), h('th', { class: 'ready-head', text: kernelKnown ? `on ready list? (${when})` : 'on ready list?' }))),
      h('tbody', {}, ...(rows.length ? rows : [h('tr', {}, h('td', { attrs: { colspan: 4 }, class: 'muted', text: 'empty' }))])),
      ),
    ),
  );
  children.push(h('p', { class: 'muted small', text: 'EPOLLERR and EPOLLHUP are reported whether registered or not.' }));
  let readyText: string;
  if (ctx.readyUnknown) readyText = ctx.readyUnknown;
  else if (kernelKnown) readyText = frame.ready.length ? frame.ready.join(', ') : 'empty';
  else if (isMain && frame) readyText = frame.step === 0 ? 'empty (before the first step)' : '?';
  else readyText = 'not known (a trace does not record it; runs made here sample it after each step)';
  children.push(
    h(
      'p',
      { class: 'ready-list', dataset: { ready: kernelKnown ? frame.ready.join(',') : '?' } },
      h('strong', { text: `Ready list${kernelKnown ? ` (kernel, ${when})` : ''}: ` }),
      readyText,
    ),
  );
  const w = model.lastWaitAt(cursor, epoll);
  if (w >= 0) {
    const r = model.records.get(w);
    const evs = r?.events ?? [];
    children.push(
      h(
        'p',
        { class: 'last-wait', dataset: { seq: r?.seq ?? '' } },
        h('strong', { text: `Last epoll_wait (#${r?.seq}): ` }),
        r?.err
          ? r.err
          : evs.length === 0
            ? 'returned no events'
            : `${evs.length} event${evs.length === 1 ? '' : 's'}: ${evs
                .slice(0, 12)
                .map((e) => `${e.name ?? e.fd} ${shortEvents(e.events)}`)
                .join('; ')}${evs.length > 12 ? `; … and ${evs.length - 12} more` : ''}`,
      ),
    );
  } else children.push(h('p', { class: 'last-wait muted', text: 'No epoll_wait on it yet.' }));
  replace(el, ...children);
}
