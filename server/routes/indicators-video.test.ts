import { afterEach, describe, expect, it } from 'vitest';
import { randomSource } from '../../shared/match/testing/synthetic.ts';
import { frameJson, randomFrames } from '../../shared/video-match/testing/frame-lists.ts';
import { formatVideoValue, videoIndicatorValue } from '../../shared/video-match/index.ts';
import { decodeDelta } from '../../shared/wire/delta.ts';
import { feedHashLayout } from '../../shared/wire/hash-layout.ts';
import { groupEntries } from '../../shared/wire/indicator-group.ts';
import type { CentreConfig } from '../config.ts';
import { openWithCentreKey } from '../testing/sealed.ts';
import { createTestCentre, type TestCentre } from '../testing/test-centre.ts';

const jsonOf = async (res: Response): Promise<Record<string, unknown>> => Object(await res.json());

describe('video indicators at the Centre', () => {
  let t: TestCentre | undefined;
  const start = (overrides: Partial<CentreConfig> = {}): TestCentre => {
    t = createTestCentre(overrides);
    return t;
  };
  afterEach(() => {
    t?.close();
    t = undefined;
  });
  const submit = (c: TestCentre, body: string, type = 'application/json'): Promise<Response> => c.request('POST', '/v1/indicators', c.tokens.authority, body, type);
  const approve = async (c: TestCentre, res: Response): Promise<void> => {
    expect(res.status).toBe(201);
    const { batchId } = await jsonOf(res);
    expect((await c.request('POST', `/v1/batches/${String(batchId)}/approve`, c.tokens.operator)).status).toBe(200);
  };
  const rowProblem = async (res: Response): Promise<unknown> => {
    expect(res.status).toBe(422);
    const { error } = await jsonOf(res);
    return Reflect.get(Object(error), 'rows');
  };

  describe('when an authority submits a frame list', () => {
    it('takes the CLI output, its frames array (JSON, NDJSON) or hex frames (CSV), keeping unique frames of quality >= 50', async () => {
      const c = start();
      const next = randomSource(21);
      const video = randomFrames(6, next);
      const poor = randomFrames(2, next, 30);
      const listed = [...video, ...poor, video[0]!].map(frameJson);
      const cliOutput = { path: 'known.mp4', algorithm: 'vpdq', durationSec: 9, frames: listed };
      const res = await submit(c, JSON.stringify([{ algorithm: 'vpdq', frames: cliOutput, category: 'A1', reference: 'VID-1' }]));
      expect(await jsonOf(res)).toMatchObject({ rows: 1, created: 1 });
      const list = await jsonOf(await c.request('GET', '/v1/indicators?algorithm=vpdq', c.tokens.operator));
      const [indicator] = Object(list.indicators) as { hash: string }[];
      expect(indicator?.hash).toBe(formatVideoValue(videoIndicatorValue(video)));
      expect(indicator?.hash.split(':')).toHaveLength(6);

      // The same video again, as a bare frames array in NDJSON and as hex in CSV: a confirmation, not a new indicator.
      const ndjson = await submit(c, `${JSON.stringify({ algorithm: 'vpdq', frames: [...video].reverse().map(frameJson), category: 'A1', reference: 'VID-1b' })}\n`, 'application/x-ndjson');
      expect(await jsonOf(ndjson)).toMatchObject({ rows: 1, created: 0 });
      const csv = await submit(c, `algorithm,hash,category,reference\nvpdq,${video.map((f) => Buffer.from(f.hash).toString('hex')).join(':')},A1,VID-1c\n`, 'text/csv');
      expect(await jsonOf(csv)).toMatchObject({ rows: 1, created: 0 });
    });
  });

  describe('when a frame list is bad or too long', () => {
    it.each([
      ['more than 4096 unique usable frames', () => ({ frames: randomFrames(4097, randomSource(1)).map(frameJson) }), 'ROW_TOO_MANY_FRAMES'],
      ['no frame of quality 50', () => ({ frames: randomFrames(3, randomSource(2), 49).map(frameJson) }), 'ROW_NO_USABLE_FRAMES'],
      ['a frame without a quality', () => ({ frames: [{ hash: 'ab'.repeat(32) }] }), 'ROW_BAD_FRAMES'],
      ['a short frame hash', () => ({ frames: [{ quality: 90, hash: 'abc' }] }), 'ROW_BAD_FRAMES'],
      ['frames and a hash both', () => ({ frames: randomFrames(2, randomSource(3)).map(frameJson), hash: 'ab'.repeat(32) }), 'ROW_BAD_FRAMES'],
      ['hex frames of the wrong length', () => ({ hash: `${'ab'.repeat(32)}:abcd` }), 'ROW_BAD_FRAMES'],
    ])('refuses %s with its row code', async (_name, fields, code) => {
      const c = start({ maxJsonBodyBytes: 1 << 20 });
      const res = await submit(c, JSON.stringify({ algorithm: 'vpdq', category: 'A1', reference: 'VID-2', ...fields() }));
      expect(await rowProblem(res)).toEqual([expect.objectContaining({ line: 1, code })]);
    });

    it('refuses `frames` on an image row', async () => {
      const c = start();
      const res = await submit(c, JSON.stringify({ algorithm: 'pdq', hash: 'ab'.repeat(32), frames: [], category: 'A1', reference: 'IMG-1' }));
      expect(await rowProblem(res)).toEqual([expect.objectContaining({ code: 'ROW_UNKNOWN_FIELD' })]);
    });
  });

  describe('when video indicators are approved', () => {
    it('holds them out of publication until publishVideoIndicators is on', async () => {
      const c = start();
      await approve(c, await submit(c, JSON.stringify({ algorithm: 'vpdq', frames: randomFrames(3, randomSource(4)).map(frameJson), category: 'A1', reference: 'VID-3' })));
      expect(c.centre.publisher.plan(c.clock.now)).toMatchObject({ adds: 0, publishable: false, heldVideo: 1 });
      const held = await c.request('POST', '/v1/publish', c.tokens.operator);
      expect([held.status, Reflect.get(Object((await jsonOf(held)).error), 'code')]).toEqual([409, 'NOTHING_TO_PUBLISH']);
    });

    it('publishes them, once on, as a vpdq group with a lengths column', async () => {
      const c = start({ publishVideoIndicators: true });
      const next = randomSource(5);
      const short = randomFrames(2, next);
      const long = randomFrames(300, next);
      await approve(c, await submit(c, JSON.stringify([
        { algorithm: 'vpdq', frames: short.map(frameJson), category: 'A1', reference: 'VID-4' },
        { algorithm: 'vpdq', frames: long.map(frameJson), category: 'B2', reference: 'VID-5' },
        { algorithm: 'pdq', hash: 'cd'.repeat(32), category: 'A1', reference: 'IMG-2' },
      ])));
      expect(c.centre.publisher.plan(c.clock.now)).toMatchObject({ adds: 3, heldVideo: 0 });
      const published = await c.request('POST', '/v1/publish', c.tokens.operator);
      expect(await jsonOf(published)).toMatchObject({ version: 1, adds: 3 });
      const envelope = c.centre.publisher.deltaEnvelope(1);
      if (envelope === undefined) throw new Error('no delta');
      const delta = decodeDelta((await openWithCentreKey(c.centre, envelope)).payload, feedHashLayout, 1 << 24);
      const video = delta.adds.find((g) => g.algorithm === 'vpdq');
      expect(video?.lengths).toEqual(Uint32Array.from([64, 300 * 32]));
      const entries = video === undefined ? [] : [...groupEntries(video, delta.categories)];
      expect(entries.map((e) => [e.hash.byteLength, e.category])).toEqual([[64, 'A1'], [300 * 32, 'B2']]);
      expect(Buffer.from(entries[1]?.hash ?? [])).toEqual(Buffer.from(videoIndicatorValue(long)));
    });
  });
});
