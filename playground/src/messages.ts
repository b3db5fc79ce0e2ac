// The message strip under the header. Each message has a topic (run,
// import, link...) so a new one replaces the last of its kind instead of
// piling up; text only, since messages quote file names and link contents.
import { h } from './dom.js';

export type MessageKind = 'info' | 'error';

export class Messages {
  readonly el: HTMLElement = h('div', { id: 'messages', class: 'messages', attrs: { 'aria-live': 'polite' } });

  /**
   * Shows TEXT under TOPIC, replacing that topic's last message. Notes fade
   * after 8 s and problems stay until dismissed or replaced; `stays` keeps a
   * note too, for one that describes what the page goes on showing (a capped
   * run: a reader who looked away must still find out why it is cut short).
   */
  say(kind: MessageKind, text: string, topic = 'general', stays = kind === 'error'): void {
    this.clear(topic);
    const msg = h(
      'div',
      { class: `message ${kind}`, dataset: { topic, stays: String(stays) }, attrs: { role: kind === 'error' ? 'alert' : 'status' } },
      h('span', { class: 'message-kind', text: kind === 'error' ? '⚠ Problem:' : 'ℹ' }),
      h('span', { class: 'message-text', text }),
      h('button', { class: 'dismiss', attrs: { type: 'button', 'aria-label': 'Dismiss message' }, text: '×', on: { click: () => msg.remove() } }),
    );
    this.el.append(msg);
    if (!stays) setTimeout(() => msg.remove(), 8000);
  }

  clear(topic: string): void {
    for (const el of this.el.querySelectorAll<HTMLElement>(`[data-topic="${CSS.escape(topic)}"]`)) el.remove();
  }
}
