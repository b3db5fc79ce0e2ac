// The page's frames kept compact (playground/src/frame-list.ts): one keyless
// JSON text per reactor step, parsed when shown, beside the per-frame
// columns the views read all at once. What comes back must be the frames.
import { describe, expect, it } from 'vitest';

import { builtinScenario, runScenario } from '../src/index.js';
import { FrameList, FrameStoreBuilder } from '../playground/src/frame-list.js';
import { captureFrame, frameAt, type Frame } from '../playground/src/frames.js';

function frameStoreOfBuilt(frames: readonly Frame[]): ReturnType<FrameStoreBuilder['finish']> {
  const b = new FrameStoreBuilder();
  for (const f of frames) b.push(f);
  return b.finish();
}

async function framesOf(name: string): Promise<Frame[]> {
  const frames: Frame[] = [{ step: 0, records: 0, action: -1, time: 0, ready: [], interest: [], conns: [] }];
  await runScenario(builtinScenario(name), { engine: 'wasm', onStep: (i) => frames.push(captureFrame(i.sim, i.step, i.records, i.action)) });
  return frames;
}

describe('the frame list', () => {
  it('gives back every frame of a run exactly, with its columns, its sums and its peaks', async () => {
    for (const name of ['large-response-slow-reader', 'accept-storm', 'half-close-pending-output']) {
      const frames = await framesOf(name);
      const b = new FrameStoreBuilder();
      for (const f of frames) b.push(f);
      const list = new FrameList(b.finish());
      expect(list.length, name).toBe(frames.length);
      frames.forEach((f, k) => {
        expect(list.get(k), `${name} frame ${k}`).toEqual(f);
        expect(list.recordsAt(k)).toBe(f.records);
        expect(list.stepAt(k)).toBe(f.step);
        expect(list.sums.sendBuf[k]).toBe(f.conns.reduce((a, c) => a + c.sendBuf, 0));
        expect(list.sums.peer[k]).toBe(f.conns.reduce((a, c) => a + (c.peerReceiveQueue ?? 0), 0));
      });
      const last = frames[frames.length - 1] as Frame;
      for (let i = 0; i < last.records + 3; i += 7) expect(list.frameAt(i)).toBe(frameAt(frames, i));
      for (const c of last.conns) expect(list.peakSendBuf.get(c.id)).toBe(Math.max(...frames.flatMap((f) => f.conns.filter((x) => x.id === c.id).map((x) => x.sendBuf))));
      expect(list.unix).toBe(frames.some((f) => f.conns.some((c) => c.kernel?.family === 'unix')));
      expect(list.get(-1)).toBeUndefined();
      expect(list.get(frames.length)).toBeUndefined();
    }
  });

  it('keeps frames past one chunk of bytes (and any text, UTF-8) and gives each back exactly', async () => {
    const base = (await framesOf('accept-storm')).at(-1) as Frame;
    const frames: Frame[] = [];
    // Some 1,500 frames of 5+ KB: several 4 MiB chunks; a name with non-ASCII text crosses as UTF-8.
    for (let k = 0; k < 1500; k++) frames.push({ ...base, step: k, records: k * 3, ready: [`s${k}`, 'é→✓'], conns: base.conns.map((c) => ({ ...c, sendBuf: c.sendBuf + k })) });
    const store = frameStoreOfBuilt(frames);
    expect(store.chunks.length).toBeGreaterThan(1);
    const list = new FrameList(store);
    for (let k = 0; k < frames.length; k += 37) expect(list.get(k)).toEqual(frames[k]);
    expect(list.get(frames.length - 1)).toEqual(frames[frames.length - 1]);
  });

  it('keeps a frame in far fewer bytes than its JSON', async () => {
    const frames = await framesOf('accept-storm');
    const b = new FrameStoreBuilder();
    for (const f of frames) b.push(f);
    const store = b.finish();
    const kept = store.chunks.reduce((a, c) => a + c.length, 0);
    expect(store.end[store.end.length - 1]).toBe(store.chunks[store.chunks.length - 1]?.length);
    const plain = frames.reduce((a, f) => a + JSON.stringify(f).length, 0);
    expect(kept).toBeLessThan(plain / 2);
  });
});

describe("the kernel's brief inspect (what the frames read each step)", () => {
  it('is, socket by socket, the full inspect cut to its fields, at every step of every family; a snapshot made with it is the one made by ioctls', async () => {
    for (const name of ['large-response-slow-reader', 'half-close-pending-output', 'accept-storm', 'et-partial-read']) {
      for (const family of ['unix', 'tcp'] as const) {
        let checked = 0;
        await runScenario(builtinScenario(name), {
          engine: 'native',
          options: { family },
          onStep: (i) => {
            const full = i.sim.kernel.inspect();
            const brief = i.sim.kernel.inspect({ brief: true });
            expect(brief?.now).toBe(full?.now);
            expect(brief?.fds.map((f) => f.fd)).toEqual(full?.fds.map((f) => f.fd));
            brief?.fds.forEach((b, k) => {
              const f = full?.fds[k] as Record<string, unknown>;
              for (const [key, value] of Object.entries(b)) expect(value, `${name} ${family} step ${i.step} fd ${b.fd} ${key}`).toEqual(f[key]);
              const outq = b.state === 'LISTEN' && b.type === 'tcp' ? [] : ['outq'];
              if (b.type === 'tcp') expect(Object.keys(b)).toEqual(['fd', 'file', 'type', 'state', 'sndbuf', 'rcvbuf', 'charged', 'writable', 'writableUpTo', 'recvQueueBytes', ...outq, 'writeSeq', 'sndUna', 'sndNxt', 'sndWndEdge']);
              if (b.type === 'unix') expect(Object.keys(b)).toEqual(['fd', 'file', 'type', 'state', 'sndbuf', 'rcvbuf', 'charged', 'writable', 'writableUpTo', 'recvQueueBytes', 'outq']);
            });
            // A snapshot that reads the queues from it is the one that asks ioctl(SIOCINQ/SIOCOUTQ).
            expect(i.sim.snapshot(brief), `${name} ${family} step ${i.step}`).toEqual(i.sim.snapshot());
            checked++;
          },
        });
        expect(checked, `${name} ${family}`).toBeGreaterThan(0);
      }
    }
  });
});
