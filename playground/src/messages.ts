// The message strip under the header. Each message has a topic (run,
// import, link...) so a new one replaces the last of its kind instead of
// piling up; text only, since messages quote file names and link contents.
import { h } from './dom.js';

export type MessageKind = 'info' | 'error';

export class Messages {
  readonly el: HTMLElement = h('div', { id: 'messages', class: 'messages', attrs: { 'aria-live': 'polite' } });

  say(kind: MessageKind, text: string, topic = 'general'): void {
    this.clear(topic);
    const msg = h(
      'div',
      { class: `message ${kind}`, dataset: { topic }, attrs: { role: kind === 'error' ? 'alert' : 'status' } },
      h('span', { class: 'message-kind', text: kind === 'error' ? '⚠ Problem:' : 'ℹ' }),
      h('span', { class: 'message-text', text }),
      h('button', { class: 'dismiss', attrs: { type: 'button', 'aria-label': 'Dismiss message' }, text: '×', on: { click: () => msg.remove() } }),
    );
    this.el.append(msg);
    // Notes fade; problems stay until dismissed or replaced.
    if (kind === 'info') setTimeout(() => msg.remove(), 8000);
  }

  clear(topic: string): void {
    for (const el of this.el.querySelectorAll<HTMLElement>(`[data-topic="${CSS.escape(topic)}"]`)) el.remove();
  }
}
