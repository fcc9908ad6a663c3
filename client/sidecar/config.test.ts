import { describe, expect, it } from 'vitest';
import { thrown } from '../../shared/testing/code-of.ts';
import { generateSigningKey, parseVerifierKey, SIGNATURE_TYPE_COSIGNATURE_V1, VerifierKey } from '../../shared/crypto/index.ts';
import { parseSidecarConfig, type SidecarConfig } from './config.ts';

/** The same public key under another name (so another key ID): one holder, not two. */
const renamed = (text: string, name: string): string => new VerifierKey(name, parseVerifierKey(text).publicKey).text;
const ROOT_KEYS = [1, 2, 3].map((i) => generateSigningKey(`hashfeed/eu-centre/root-${i}`).verifier.text);

const WITNESS_KEYS = [1, 2].map((i) => generateSigningKey(`witness.example/w${i}`, { signatureType: SIGNATURE_TYPE_COSIGNATURE_V1 }).verifier.text);

const BASE = {
  centre: 'https://centre.example',
  providerToken: 'hf_provider',
  provider: 'example-host',
  rootKey: generateSigningKey('hashfeed/eu-centre/root').verifier.text,
  dataDir: 'data',
  localToken: 'a-local-token-of-enough-length',
  surfaces: [{ id: 'uploads', description: 'uploads', e2ee: false }],
};

const parse = (overrides: Record<string, unknown>, env: NodeJS.ProcessEnv = {}): SidecarConfig => parseSidecarConfig({ ...BASE, ...overrides }, '/etc/hashfeed', env);

describe('sidecar config', () => {
  describe('when the feed comes from a mirror', () => {
    it('refuses a config without reportTo, rather than sending orders and reports to the mirror', () => {
      expect(thrown(() => parse({ centre: 'https://mirror.example', mode: 'mirror' }))).toMatchObject({ code: 'CONFIG_REPORT_TO_REQUIRED', message: expect.stringContaining('reportTo') });
    });

    it('takes reportTo as the Centre', () => {
      expect(parse({ centre: 'https://mirror.example', mode: 'mirror', reportTo: 'https://centre.example' })).toMatchObject({ centre: 'https://mirror.example', reportTo: 'https://centre.example' });
    });

    it('accepts a plain-http mirror, which is sent no token', () => {
      expect(parse({ centre: 'http://mirror.example', mode: 'mirror', reportTo: 'https://centre.example' }).centre).toBe('http://mirror.example');
    });
  });

  describe('when a URL that carries the token is plain http', () => {
    it.each([
      ['the Centre', { centre: 'http://centre.example' }],
      ['reportTo', { centre: 'https://mirror.example', mode: 'mirror', reportTo: 'http://10.0.0.5:8700' }],
      ['a loopback-looking host name', { centre: 'http://127.0.0.1.example.com' }],
    ])('refuses %s off loopback with CONFIG_INSECURE_URL', (_name, overrides) => {
      expect(thrown(() => parse(overrides))).toMatchObject({ code: 'CONFIG_INSECURE_URL' });
    });

    it.each(['http://127.0.0.1:8700', 'http://localhost:8700', 'http://[::1]:8700', 'http://127.8.9.10'])('accepts loopback %s', (centre) => {
      expect(parse({ centre }).centre).toBe(centre);
    });

    it('accepts it when allowInsecureHttp is set, in the file or the environment', () => {
      expect(parse({ centre: 'http://centre.internal', allowInsecureHttp: true }).allowInsecureHttp).toBe(true);
      expect(parse({ centre: 'http://centre.internal' }, { HASHFEED_ALLOW_INSECURE_HTTP: 'true' }).centre).toBe('http://centre.internal');
      expect(thrown(() => parse({ allowInsecureHttp: 'yes' }))).toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });

  describe('when the delivered-report retention is set', () => {
    it('defaults to 30 days and takes a positive number of days', () => {
      expect(parse({}).deliveredRetentionDays).toBe(30);
      expect(parse({ deliveredRetentionDays: 7 }).deliveredRetentionDays).toBe(7);
      expect(thrown(() => parse({ deliveredRetentionDays: 0 }))).toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });

  describe('when the wait cap and the clock skew are set', () => {
    it('defaults to an hour and five minutes, and refuses values past a day', () => {
      expect(parse({})).toMatchObject({ maxRetryAfterSeconds: 3600, maxClockSkewSeconds: 300 });
      expect(parse({ maxRetryAfterSeconds: 60, maxClockSkewSeconds: 0 })).toMatchObject({ maxRetryAfterSeconds: 60, maxClockSkewSeconds: 0 });
      expect(thrown(() => parse({ maxRetryAfterSeconds: 10_000_000_000 }))).toMatchObject({ code: 'CONFIG_INVALID' });
      expect(thrown(() => parse({ maxRetryAfterSeconds: 0 }))).toMatchObject({ code: 'CONFIG_INVALID' });
      expect(thrown(() => parse({ maxClockSkewSeconds: -1 }))).toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });

  describe('when the room for request bodies is set', () => {
    it('defaults to 256 MiB (at least the largest body), and refuses less than the largest body', () => {
      expect(parse({})).toMatchObject({ bodyBudgetBytes: 256 * 1024 * 1024, bodyQueueLength: 64 });
      expect(parse({ maxImageBytes: 300 * 1024 * 1024 }).bodyBudgetBytes).toBe(300 * 1024 * 1024);
      expect(parse({ bodyBudgetBytes: 60 * 1024 * 1024, bodyQueueLength: 0 })).toMatchObject({ bodyBudgetBytes: 60 * 1024 * 1024, bodyQueueLength: 0 });
      expect(thrown(() => parse({ bodyBudgetBytes: 1024 * 1024 }))).toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });

  describe('when video scans are configured', () => {
    it('defaults to 512 MiB, 600 s, one hash a second and one video at a time', () => {
      expect(parse({})).toMatchObject({ maxVideoBytes: 512 * 1024 * 1024, maxVideoSeconds: 600, videoSecondsPerHash: 1, videoScanConcurrency: 1, videoQueueLength: 4 });
    });

    it('takes settings from the file and the environment', () => {
      expect(parse({ maxVideoBytes: 1000, videoSecondsPerHash: 0.5 }, { HASHFEED_MAX_VIDEO_SECONDS: '30', HASHFEED_VIDEO_SECONDS_PER_HASH: '0' })).toMatchObject({ maxVideoBytes: 1000, maxVideoSeconds: 30, videoSecondsPerHash: 0 });
    });

    it.each([
      [{ maxVideoBytes: 0 }],
      [{ maxVideoSeconds: 4 * 3600 }],
      [{ videoSecondsPerHash: -1 }],
      [{ videoSecondsPerHash: 'often' }],
      [{ videoScanConcurrency: 0 }],
      [{ videoQueueLength: -1 }],
    ])('refuses %j', (setting) => {
      expect(thrown(() => parse(setting))).toMatchObject({ code: 'CONFIG_INVALID' });
    });
  });

  describe('when the root of trust is pinned', () => {
    it('takes one rootKey as a threshold of 1 and reads the feed name from it', () => {
      expect(parse({})).toMatchObject({ rootKeys: [BASE.rootKey], rootThreshold: 1, feed: 'eu-centre' });
    });

    it('takes rootKeys with rootThreshold, from the file or the environment (JSON or comma-separated)', () => {
      const pinned = { rootKeys: ROOT_KEYS, rootThreshold: 2, feed: 'eu-centre', rootKey: ROOT_KEYS[0] };
      expect(parseSidecarConfig({ ...BASE, rootKey: undefined, rootKeys: ROOT_KEYS, rootThreshold: 2 }, '/etc/hashfeed', {})).toMatchObject(pinned);
      expect(parse({ rootKey: undefined }, { HASHFEED_ROOT_KEYS: ROOT_KEYS.join(','), HASHFEED_ROOT_THRESHOLD: '2' })).toMatchObject(pinned);
      expect(parse({ rootKey: undefined }, { HASHFEED_ROOT_KEYS: JSON.stringify(ROOT_KEYS), HASHFEED_ROOT_THRESHOLD: '2' })).toMatchObject(pinned);
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['both rootKey and rootKeys', { rootKeys: ROOT_KEYS, rootThreshold: 1 }, 'not both'],
      ['neither', { rootKey: undefined }, 'is required'],
      ['rootKeys without rootThreshold', { rootKey: undefined, rootKeys: ROOT_KEYS }, 'needs \'rootThreshold\''],
      ['a threshold above the number of keys', { rootKey: undefined, rootKeys: ROOT_KEYS, rootThreshold: 4 }, 'from 1 to the number of root keys (3)'],
      ['a threshold of 0', { rootKey: undefined, rootKeys: ROOT_KEYS, rootThreshold: 0 }, 'from 1 to'],
      ['an empty list', { rootKey: undefined, rootKeys: [], rootThreshold: 1 }, '1 to 8'],
      ['a key listed twice', { rootKey: undefined, rootKeys: [ROOT_KEYS[0], ROOT_KEYS[0]], rootThreshold: 1 }, 'twice'],
      ['one public key listed twice under two names', { rootKey: undefined, rootKeys: [ROOT_KEYS[0], renamed(ROOT_KEYS[0] ?? '', 'hashfeed/eu-centre/root-9')], rootThreshold: 2 }, 'twice'],
      ['a string that is no verifier key', { rootKey: 'hashfeed/eu-centre/root+01234567+AQ==' }, 'not a verifier key'],
      ['a threshold beside a single rootKey', { rootThreshold: 2 }, "goes with 'rootKeys'"],
    ])('refuses %s with a clear CONFIG_INVALID', (_name, overrides, message) => {
      const settings = Object.fromEntries(Object.entries({ ...BASE, ...overrides }).filter(([, v]) => v !== undefined));
      expect(thrown(() => parseSidecarConfig(settings, '/etc/hashfeed', {}))).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(message) });
    });
  });

  describe('when witnesses are required', () => {
    it('defaults to none and a quorum of 0, and takes a list with a quorum from the file or the environment', () => {
      expect(parse({})).toMatchObject({ witnesses: [], witnessQuorum: 0 });
      expect(parse({ witnesses: WITNESS_KEYS, witnessQuorum: 2 })).toMatchObject({ witnesses: WITNESS_KEYS, witnessQuorum: 2 });
      expect(parse({}, { HASHFEED_WITNESSES: WITNESS_KEYS.join(','), HASHFEED_WITNESS_QUORUM: '1' })).toMatchObject({ witnesses: WITNESS_KEYS, witnessQuorum: 1 });
    });

    it.each<[string, Record<string, unknown>, string]>([
      ['a quorum above the number of witnesses', { witnesses: WITNESS_KEYS, witnessQuorum: 3 }, 'from 0 to the number of witnesses (2)'],
      ['a quorum without witnesses', { witnessQuorum: 1 }, 'from 0 to the number of witnesses (0)'],
      ['a negative quorum', { witnesses: WITNESS_KEYS, witnessQuorum: -1 }, 'from 0 to'],
      ['a witness listed twice', { witnesses: [WITNESS_KEYS[0], WITNESS_KEYS[0]], witnessQuorum: 1 }, 'twice'],
      ['a log key (type 0x01) as a witness', { witnesses: [BASE.rootKey], witnessQuorum: 1 }, 'not a witness verifier key'],
      ['a list that is not a list', { witnesses: 7 }, 'must be a list'],
    ])('refuses %s with a clear CONFIG_INVALID', (_name, overrides, message) => {
      expect(thrown(() => parse(overrides))).toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining(message) });
    });
  });

  describe('decisionWebhook', () => {
    const secret = 'a-webhook-secret-of-length';
    it('is absent by default', () => {
      expect(parse({}).decisionWebhook).toBeUndefined();
    });

    it.each([
      ['an https URL with a secret', { url: 'https://platform.example/hooks/decisions', secret }, { url: 'https://platform.example/hooks/decisions', secret }],
      ['a loopback http URL with a bearer token', { url: 'http://127.0.0.1:9000/d', bearerToken: secret }, { url: 'http://127.0.0.1:9000/d', bearerToken: secret }],
    ])('takes %s', (_name, value, expected) => {
      expect(parse({ decisionWebhook: value }).decisionWebhook).toEqual(expected);
    });

    it('takes its JSON from the environment', () => {
      const env = { HASHFEED_DECISION_WEBHOOK: JSON.stringify({ url: 'https://platform.example/d', secret }) };
      expect(parse({}, env).decisionWebhook).toEqual({ url: 'https://platform.example/d', secret });
    });

    it.each([
      ['a string that is no JSON object', '"https://x"', 'CONFIG_INVALID'],
      ['an unknown key', { url: 'https://platform.example/d', secret, retries: 3 }, 'CONFIG_INVALID'],
      ['no URL', { secret }, 'CONFIG_INVALID'],
      ['a URL of another scheme', { url: 'ftp://platform.example/d', secret }, 'CONFIG_INVALID'],
      ['neither secret nor token', { url: 'https://platform.example/d' }, 'CONFIG_INVALID'],
      ['both secret and token', { url: 'https://platform.example/d', secret, bearerToken: secret }, 'CONFIG_INVALID'],
      ['a short secret', { url: 'https://platform.example/d', secret: 'short' }, 'CONFIG_INVALID'],
      ['plain http off loopback', { url: 'http://platform.example/d', secret }, 'CONFIG_INSECURE_URL'],
      // fetch refuses a URL with credentials: every call would fail as NETWORK, for ever, with the config taken.
      ['a URL with user:password in it', { url: 'https://hook:pass@platform.example/d', secret }, 'CONFIG_INVALID'],
    ])('refuses %s', (_name, value, code) => {
      expect(thrown(() => parse({ decisionWebhook: value }))).toMatchObject({ code });
    });

    it('allows plain http off loopback with allowInsecureHttp', () => {
      expect(parse({ allowInsecureHttp: true, decisionWebhook: { url: 'http://platform.internal/d', secret } }).decisionWebhook?.url).toBe('http://platform.internal/d');
    });
  });
});
