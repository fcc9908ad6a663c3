import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { createSidecar, type Sidecar } from '../client/sidecar/sidecar.ts';
import { randomSource } from '../shared/match/testing/synthetic.ts';
import { tempDirs } from '../shared/testing/temp-dirs.ts';
import { formatVideoValue, videoIndicatorValue } from '../shared/video-match/index.ts';
import { nearCopy, randomFrames } from '../shared/video-match/testing/frame-lists.ts';
import { computeStateDigest } from '../shared/wire/state-digest.ts';
import { entitleSidecar } from './testing/feed-access.ts';
import { startLoopbackCentre, stopLoopbackCentres, type LoopbackCentre } from './testing/loopback-centre.ts';
import { sidecarConfigFor } from './testing/sidecar-config.ts';

const dirs = tempDirs();
const sidecars: Sidecar[] = [];

async function sidecarOf(centre: LoopbackCentre, dataDir = dirs.make('hf-e2e-video-')): Promise<Sidecar> {
  const sidecar = await createSidecar({ config: sidecarConfigFor(centre, dataDir), logger: pino({ level: 'silent' }) });
  sidecars.push(sidecar);
  await entitleSidecar(centre, sidecar);
  return sidecar;
}

/** The replica's rows hash to the digest it last verified against the Centre's signed one. */
function expectDigestHolds(sidecar: Sidecar): void {
  expect(Buffer.from(computeStateDigest(sidecar.replica.entries())).toString('hex')).toBe(Buffer.from(sidecar.replica.state().stateDigest ?? []).toString('hex'));
}

describe('video indicators from the Centre to the sidecar', () => {
  afterEach(async () => {
    try {
      for (const sidecar of sidecars.splice(0)) await sidecar.stop();
      await stopLoopbackCentres();
    } finally {
      dirs.removeAll();
    }
  });

  it('are held until the operator turns them on, then published, synced, matched as near copies and revoked', async () => {
    const next = randomSource(2026);
    const known = randomFrames(40, next);
    const other = randomFrames(25, next);
    const knownText = formatVideoValue(videoIndicatorValue(known));
    const otherText = formatVideoValue(videoIndicatorValue(other));
    // A Centre data folder and a replica as they were before video: the setting is absent, so video is held.
    let centre = await startLoopbackCentre();
    expect(await centre.publish([{ algorithm: 'pdq', hash: randomBytes(32).toString('hex') }, { algorithm: 'vpdq', hash: knownText }])).toBe(1);
    const sidecarDir = dirs.make('hf-e2e-video-');
    const sidecar = await sidecarOf(centre, sidecarDir);
    expect(await sidecar.syncOnce()).toMatchObject({ version: 1 });
    expect(sidecar.replica.size()).toBe(1);
    expect(sidecar.matcher().matchVideo(known)).toEqual([]);

    // The operator turns publication of video on (centre.json) and restarts; the next publication adds the held video.
    const configFile = join(centre.dataDir, 'centre.json');
    writeFileSync(configFile, JSON.stringify({ ...JSON.parse(readFileSync(configFile, 'utf8')), publishVideoIndicators: true }));
    const port = Number(new URL(centre.url).port);
    await centre.stop();
    centre = await centre.restart(port);
    const publish = (): Promise<Response> => fetch(`${centre.url}/v1/publish`, { method: 'POST', headers: { authorization: `Bearer ${centre.tokens.operator}` } });
    // A pooled keep-alive socket may still point at the Centre before its restart: one retry.
    const published = await publish().catch(publish);
    expect(await published.json()).toMatchObject({ version: 2, adds: 1 });

    // The existing replica takes it as a delta, checks the signed digest, and the matcher finds a re-encoded copy.
    expect(await sidecar.syncOnce()).toMatchObject({ version: 2, snapshot: false });
    expectDigestHolds(sidecar);
    const copy = nearCopy(known, 14, next, 7);
    const [match, ...rest] = sidecar.matcher().matchVideo(copy);
    expect(rest).toEqual([]);
    expect(match).toMatchObject({ candidateShare: 1, queryShare: 1, candidateFrames: 40, timestamps: [7, 8, 9, 10, 11] });
    // A clip of a fifth of it falls short of Pc = 80% of the indicator's frames, unless the rule is relaxed.
    expect(sidecar.matcher().matchVideo(copy.slice(0, 8))).toEqual([]);
    expect(sidecar.matcher().matchVideo(copy.slice(0, 8), { candidateShare: 20 })).toMatchObject([{ candidateShare: 0.2 }]);

    // A second video, then the first revoked: both travel as deltas.
    expect(await centre.publish([{ algorithm: 'vpdq', hash: otherText, category: 'B2' }])).toBe(3);
    expect(await centre.revokeAndPublish(knownText)).toBe(4);
    expect(await sidecar.syncOnce()).toMatchObject({ version: 4, snapshot: false });
    expectDigestHolds(sidecar);
    expect(sidecar.matcher().matchVideo(copy)).toEqual([]);
    expect(sidecar.matcher().matchVideo(nearCopy(other, 10, next)).map((m) => m.candidateFrames)).toEqual([25]);

    // A new sidecar bootstraps from the snapshot, which carries the video group; a restarted one reloads it from its replica.
    const fresh = await sidecarOf(centre);
    expect(await fresh.syncOnce()).toMatchObject({ version: 4, snapshot: true });
    expectDigestHolds(fresh);
    expect(fresh.matcher().matchVideo(other)).toHaveLength(1);
    await sidecar.stop();
    sidecars.splice(sidecars.indexOf(sidecar), 1);
    const restarted = await sidecarOf(centre, sidecarDir);
    expect(restarted.matcher().matchVideo(other)).toHaveLength(1);
    expect(restarted.health().skippedIndicators).toEqual([]);
  });
});
