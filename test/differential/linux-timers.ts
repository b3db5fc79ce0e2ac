// Which TCP timers Linux fired, from the network namespace's own counters.
//
// The sim runs TCP's timers on its virtual clock, which moves only when a
// program calls advance(); Linux runs them on real time. A Linux run during
// which a timer fired between two advance() calls (a loss probe 4 ms after a
// send while a fill of a thousand small writes is still going, a delayed ACK
// in a stall) has seen a kernel the sim's clock does not run: it is no
// reference for that step. Real time alone (how long a step took) can only
// guess at that: a fill can take 10 ms with no timer firing, and a probe can
// fire inside a 5 ms one. The namespace's counters say it: `npm test` and
// `npm run fuzz:kernel` run in a network namespace made for the run
// (scripts/linux-reference.mjs), and each counter below counts one firing of
// a timer's action (net/ipv4/tcp_timer.c, tcp_output.c):
//   TCPLossProbes  tcp_send_loss_probe (the tail loss probe timer)
//   DelayedACKs    tcp_delack_timer_handler sent the delayed ACK
//   TCPTimeouts    tcp_retransmit_timer (the RTO)
//   TCPWinProbe    tcp_write_wakeup (the zero-window probe timer)
// Other TCP traffic in the namespace moves them too (another worker's
// program, another test file): the rule is then stricter than it needs to
// be, never looser.
import { readFileSync } from 'node:fs';

const TIMER_COUNTERS = ['TCPLossProbes', 'DelayedACKs', 'TCPTimeouts', 'TCPWinProbe'] as const;
export type TimerCounter = (typeof TIMER_COUNTERS)[number];

let columns: Map<TimerCounter, number> | null | undefined;

/** The timer counters of this network namespace now, or null where /proc cannot say. */
export function tcpTimerCounts(): Record<TimerCounter, number> | null {
  let text: string;
  try {
    text = readFileSync('/proc/net/netstat', 'utf8');
  } catch {
    return null;
  }
  // Two lines per group: names, then values.
  const lines = text.split('\n');
  const at = lines.findIndex((l) => l.startsWith('TcpExt:'));
  if (at < 0 || !lines[at + 1]?.startsWith('TcpExt:')) return null;
  const values = (lines[at + 1] as string).split(' ');
  if (columns === undefined) {
    const names = (lines[at] as string).split(' ');
    const m = new Map<TimerCounter, number>();
    for (const c of TIMER_COUNTERS) {
      const i = names.indexOf(c);
      if (i < 0) {
        columns = null;
        return null;
      }
      m.set(c, i);
    }
    columns = m;
  }
  if (columns === null) return null;
  const out = {} as Record<TimerCounter, number>;
  for (const [c, i] of columns) out[c] = Number(values[i]);
  return out;
}

/** The counters that moved from `before` to `after`, with how much ('' when none did). */
export function timersFired(before: Record<TimerCounter, number> | null, after: Record<TimerCounter, number> | null): string {
  if (before === null || after === null) return '';
  return TIMER_COUNTERS.filter((c) => after[c] !== before[c])
    .map((c) => `${c} +${after[c] - before[c]}`)
    .join(', ');
}
