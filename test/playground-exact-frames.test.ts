// The page's state at any event (playground/src/exact-frames.ts), with its
// worker replaced by a fake: what it asks the worker for (the window around
// the cursor, every step boundary the run made again must meet, the run's
// length), what it keeps, what it never asks twice, when it waits for the
// cursor to rest, and how a run again that is not the same run is reported.
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';

import type { Frame } from '../playground/src/frames.js';
import type { WorkerReply, WorkerRequest } from '../playground/src/run-protocol.js';

interface FakeWorker {
  posted: WorkerRequest[];
  terminated: boolean;
  reply(m: WorkerReply): void;
}

const workers: FakeWorker[] = [];

vi.mock('../playground/src/run-worker-start.js', () => ({
  startRunWorker: (_name: string, onReply: (m: WorkerReply) => void) => {
    const w: FakeWorker = { posted: [], terminated: false, reply: onReply };
    workers.push(w);
    return {
      postMessage: (m: WorkerRequest) => w.posted.push(m),
      terminate: () => {
        w.terminated = true;
      },
    };
  },
}));

const { ExactFrames, EXACT_KEPT, EXACT_REST_MS, EXACT_WINDOW } = await import('../playground/src/exact-frames.js');
const { FrameList } = await import('../playground/src/frame-list.js');

/** A run's frames: a step every 10 records. */
function stepFrames(records: number): InstanceType<typeof FrameList> {
  const frames: Frame[] = [];
  for (let k = 0; k * 10 <= records; k++) frames.push({ step: k, records: k * 10, action: 0, time: 0, ready: [], interest: [], conns: [] });
  return FrameList.of(frames);
}

const state = (i: number): Frame => ({ step: Math.floor(i / 10), records: i + 1, action: 0, time: 0, ready: [`r${i}`], interest: [], conns: [] });

type Exact = Extract<WorkerRequest, { kind: 'exact' }>;

function lastRequest(): Exact {
  const w = workers[workers.length - 1] as FakeWorker;
  return w.posted[w.posted.length - 1] as Exact;
}

/** The worker's answer to `req`: every record of the window from `firstWatched` on. */
function answer(req: Exact, firstWatched = req.from): WorkerReply {
  const frames: Frame[] = [];
  for (let i = Math.max(req.from, firstWatched); i <= req.to; i++) frames.push(state(i));
  return { id: req.id, type: 'exact', frames, firstWatched, ms: 1, heapBytes: 16 << 20 };
}

beforeEach(() => {
  workers.length = 0;
});
afterEach(() => {
  vi.useRealTimers();
});

describe('the state at any event (exact-frames.ts)', () => {
  it('asks once for a window around the cursor with every step boundary to meet and the run’s length, keeps the answer, and never asks again for it', () => {
    const frames = stepFrames(1000);
    const x = new ExactFrames({ doc: 1 }, { seed: 3 }, frames, 1000);
    let ready = 0;
    x.onReady = () => ready++;
    x.want(505);
    expect(workers.length).toBe(1);
    const req = lastRequest();
    expect(req.kind).toBe('exact');
    expect(req.knobs).toEqual({ seed: 3 });
    expect(req.records).toBe(1000);
    expect(req.from).toBeLessThanOrEqual(505);
    expect(req.to).toBeGreaterThanOrEqual(505);
    expect(req.to - req.from + 1).toBe(EXACT_WINDOW);
    // The boundary at or before the window, each one inside it, and the one after it.
    const first = frames.frameAt(req.from);
    const last = frames.frameAt(req.to) + 1;
    expect(req.checks).toEqual(Array.from({ length: last - first + 1 }, (_, j) => ({ step: first + j, records: (first + j) * 10 })));
    expect(x.computing(505)).toBe(true);
    expect(x.get(505)).toBeUndefined();
    // Asked again while it runs, or for a neighbour in the window: nothing new is posted.
    x.want(505);
    x.want(req.to);
    expect(workers[0]?.posted.length).toBe(1);
    workers[0]?.reply(answer(req));
    expect(ready).toBe(1);
    expect(x.get(505)).toEqual(state(505));
    expect(x.computing(505)).toBe(false);
    for (let i = req.from; i <= req.to; i++) x.want(i);
    expect(workers[0]?.posted.length).toBe(1);
    x.dispose();
    expect(workers[0]?.terminated).toBe(true);
  });

  it('while one window runs, only the latest of the windows asked for runs next', () => {
    const x = new ExactFrames({}, {}, stepFrames(5000), 5000);
    x.want(100);
    const a = lastRequest();
    x.want(1000);
    x.want(3000);
    expect(workers[0]?.posted.length).toBe(1);
    workers[0]?.reply(answer(a));
    expect(workers[0]?.posted.length).toBe(2);
    const b = lastRequest();
    expect(b.from).toBeLessThanOrEqual(3000);
    expect(b.to).toBeGreaterThanOrEqual(3000);
    workers[0]?.reply(answer(b));
    expect(x.get(3000)).toEqual(state(3000));
    expect(x.get(1000)).toBeUndefined();
    x.dispose();
  });

  it('the simulation’s setup (before the first record the run again could look at) is answered as such, once; a record past it with no state is a failure', () => {
    const x = new ExactFrames({}, {}, stepFrames(1000), 1000);
    x.want(2);
    const req = lastRequest();
    workers[0]?.reply(answer(req, 7));
    expect(x.unavailable(2)).toBe(true);
    expect(x.get(7)).toEqual(state(7));
    expect(x.failed).toBeNull();
    x.want(2);
    expect(workers[0]?.posted.length).toBe(1);

    const y = new ExactFrames({}, {}, stepFrames(1000), 1000);
    y.want(500);
    const r = lastRequest();
    const reply = answer(r) as Extract<WorkerReply, { type: 'exact' }>;
    reply.frames = reply.frames.filter((f) => f.records !== 501);
    workers[1]?.reply(reply);
    expect(y.failed).toContain('event #501');
    expect(y.get(500)).toBeUndefined();
    // Failed: it asks no more (the note says why), and its worker is ended.
    y.want(900);
    expect(workers[1]?.posted.length).toBe(1);
    expect(workers[1]?.terminated).toBe(true);
    x.dispose();
  });

  it('a run made again that is not the same run (the worker says so) is reported, not shown', () => {
    const x = new ExactFrames({}, {}, stepFrames(1000), 1000);
    let ready = 0;
    x.onReady = () => ready++;
    x.want(300);
    workers[0]?.reply({ id: lastRequest().id, type: 'error', message: 'not the same run: 31 events after reactor step 3, the first run 30', heapBytes: 0 });
    expect(x.failed).toContain('not the same run');
    expect(ready).toBe(1);
    expect(x.computing(300)).toBe(false);
  });

  it('in a long run it waits for the cursor to rest before running again, and keeps a bounded number of states', () => {
    vi.useFakeTimers();
    const n = 400_000;
    const x = new ExactFrames({}, {}, stepFrames(n), n);
    for (const i of [10_000, 10_500, 290_000]) x.want(i);
    // Moving on: nothing started yet.
    expect(workers.length).toBe(0);
    expect(x.waiting(290_000)).toBe(true);
    expect(x.computing(290_000)).toBe(false);
    vi.advanceTimersByTime(EXACT_REST_MS + 1);
    expect(workers.length).toBe(1);
    expect(workers[0]?.posted.length).toBe(1);
    const req = lastRequest();
    expect(req.from).toBeLessThanOrEqual(290_000);
    expect(req.to).toBeGreaterThanOrEqual(290_000);
    workers[0]?.reply(answer(req));
    // Past 250,000 events: a worker that ran so far is ended at once.
    expect(workers[0]?.terminated).toBe(true);
    // Many windows later, at most EXACT_KEPT states are kept: the oldest went first.
    for (let k = 0; k < 8; k++) {
      x.want(300_000 + k * 1000);
      vi.advanceTimersByTime(EXACT_REST_MS + 1);
      const w = workers[workers.length - 1] as FakeWorker;
      w.reply(answer(w.posted[w.posted.length - 1] as Exact));
    }
    let kept = 0;
    for (let i = 0; i < n; i += 1) if (x.get(i)) kept++;
    expect(kept).toBeLessThanOrEqual(EXACT_KEPT);
    expect(x.get(290_000)).toBeUndefined();
    expect(x.get(307_000)).toEqual(state(307_000));
    x.dispose();
  });

  it('an idle worker is ended after a while; dispose clears what waits', () => {
    vi.useFakeTimers();
    const x = new ExactFrames({}, {}, stepFrames(1000), 1000);
    x.want(10);
    workers[0]?.reply(answer(lastRequest()));
    expect(workers[0]?.terminated).toBe(false);
    vi.advanceTimersByTime(10_000);
    expect(workers[0]?.terminated).toBe(true);
    const y = new ExactFrames({}, {}, stepFrames(100_000), 100_000);
    y.want(50_000);
    y.dispose();
    vi.advanceTimersByTime(10_000);
    expect(workers.length).toBe(1);
  });
});
