import { afterEach, describe, expect, it } from 'vitest';
import { enrolProvider, fetchAccessList, giveOrder } from '../../server/testing/access-fixture.ts';
import { publishIndicators } from '../../server/testing/publish-indicators.ts';
import { createTestCentre, type TestCentre } from '../../server/testing/test-centre.ts';
import { run } from './centre.ts';

async function centre(...argv: string[]): Promise<{ status: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const status = await run(argv, { stdout: { write: (t: string) => (stdout += t) }, stderr: { write: (t: string) => (stderr += t) } });
  return { status, stdout, stderr };
}

let t: TestCentre | undefined;
afterEach(async () => {
  await t?.centre.wraps.settled();
  t?.close();
  t = undefined;
});

describe('hashfeed centre access-log', () => {
  it('lists grants, wraps and fetches with their basis, as lines or as JSON, for one provider', async () => {
    t = createTestCentre();
    const provider = await enrolProvider(t, 'example-host');
    await enrolProvider(t, 'other-host');
    await giveOrder(t, 'example-host', 'DE-2026-0001', t.clock.now);
    await publishIndicators(t, 1);
    await t.centre.wraps.settled();
    await fetchAccessList(t, provider.token);

    const lines = await centre('access-log', '--data', t.dataDir, '--provider', 'example-host');
    expect(lines.status).toBe(0);
    expect(lines.stdout).toMatch(/example-host {2}grant {2}basis=DE-2026-0001\n/);
    expect(lines.stdout).toMatch(new RegExp(`example-host {2}wrap {2}basis=DE-2026-0001 epoch=1 key=${provider.keyId}\\n`));
    expect(lines.stdout).toMatch(/example-host {2}fetch {2}basis=DE-2026-0001 epochs=1\n/);
    expect(lines.stdout).not.toContain('other-host');

    const json = await centre('access-log', '--data', t.dataDir, '--json', '--event', 'fetch');
    expect(JSON.parse(json.stdout)).toMatchObject({ entries: [{ provider: 'example-host', event: 'fetch', basis: 'DE-2026-0001', epochs: [1] }] });
    expect((await centre('access-log', '--data', t.dataDir, '--event', 'peek')).status).toBe(2);
  });
});

describe('hashfeed centre keys epoch-rotate', () => {
  it('asks for a new epoch at the next publication, and with --publish publishes an empty version under it', async () => {
    t = createTestCentre();
    await publishIndicators(t, 1);
    const asked = await centre('keys', 'epoch-rotate', '--data', t.dataDir);
    expect(asked.status).toBe(0);
    expect(JSON.parse(asked.stdout)).toMatchObject({ currentEpoch: 1, rotationRequested: true });
    const published = await centre('keys', 'epoch-rotate', '--publish', '--data', t.dataDir);
    expect(published.status).toBe(0);
    expect(JSON.parse(published.stdout)).toMatchObject({ version: 2, adds: 0, epoch: 2, epochBegan: 'requested' });
  });
});
