import { availableParallelism } from 'node:os';
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CodedError } from '../../shared/errors.ts';
import { quote } from '../../shared/quote.ts';
import { parseVerifierKey, SIGNATURE_TYPE_COSIGNATURE_V1 } from '../../shared/crypto/index.ts';
import { MAX_ROOT_KEYS } from '../../shared/trust/index.ts';
import { DEFAULT_MAX_FRAMES } from '../../shared/hashing/image-frames.ts';
import type { DecisionWebhookConfig } from '../decisions/index.ts';
import { parseSurfaces, PolicyError, type Surface } from '../policy/index.ts';
import { DEFAULT_BODY_TIMEOUT_MS } from './read-body.ts';
import { DEFAULT_BODY_BUDGET_BYTES, DEFAULT_BODY_QUEUE_LENGTH, DEFAULT_DECODE_BUDGET_PIXELS, DEFAULT_DECODE_QUEUE_LENGTH, DEFAULT_DECODE_QUEUE_WAIT_MS } from './decode-budget.ts';

/** 16 MiB: JSON.parse of it takes tens of milliseconds (docs/SIDECAR.md); larger images go to `/v1/scan`. */
export const DEFAULT_MAX_BATCH_BYTES = 16 * 1024 * 1024;
export const DEFAULT_MAX_BATCH_ITEMS = 256;

/**
 * CONFIG_REPORT_TO_REQUIRED: mirror mode without `reportTo` (the Centre);
 * CONFIG_INSECURE_URL: a URL the provider token is sent to is plain http off
 * loopback, without `allowInsecureHttp`.
 */
export type SidecarConfigCode = 'CONFIG_UNREADABLE' | 'CONFIG_INVALID' | 'CONFIG_REPORT_TO_REQUIRED' | 'CONFIG_INSECURE_URL';
export class SidecarConfigError extends CodedError<SidecarConfigCode> {}

export interface SidecarConfig {
  /** The Centre's base URL, or a static mirror's. */
  readonly centre: string;
  /** 'centre' (the live API) or 'mirror' (static files of `centre export`); default centre. */
  readonly mode: 'centre' | 'mirror';
  /** The Centre itself: orders, key registration and reports go here with the token. Required in mirror mode; default `centre`. */
  readonly reportTo: string;
  /** Allows plain http off loopback for URLs that carry the token (a private network the operator vouches for); default false. */
  readonly allowInsecureHttp: boolean;
  /** Delivered reports (ids and times; their envelopes are already dropped) are deleted after this many days; default 30. */
  readonly deliveredRetentionDays: number;
  readonly providerToken: string;
  /** The provider account's name at the Centre (reports carry it; orders are scoped to it). */
  readonly provider: string;
  /** The first pinned root key (`rootKey`, or `rootKeys[0]`): shown, and the source of the default feed name. */
  readonly rootKey: string;
  /** Every pinned root key (docs/PROTOCOL.md 4.3): `[rootKey]`, or `rootKeys` as configured. */
  readonly rootKeys: readonly string[];
  /** How many of `rootKeys` must sign the root the sidecar anchors at: 1 with `rootKey`. */
  readonly rootThreshold: number;
  /** Feed name; default: read from the root key name `hashfeed/<feed>/root` (or `.../root-<i>`). */
  readonly feed: string;
  readonly dataDir: string;
  /** `host:port`, or a unix socket path. */
  readonly listen: string;
  /** Callers of the local API present it as a bearer token. */
  readonly localToken: string;
  /** Each surface states whether it is end-to-end encrypted (then never scanned). */
  readonly surfaces: readonly Surface[];
  readonly providerKeyFile: string;
  /** This sidecar's X25519 key (docs/PROTOCOL.md 13.5): opens the epoch keys of the sealed feed; default `<dataDir>/encryption.key`, 0600. */
  readonly encryptionKeyFile: string;
  readonly syncIntervalSeconds: number;
  readonly maxImageBytes: number;
  readonly maxImagePixels: number;
  /** Frames of an animated image hashed at most (all within maxImagePixels together). */
  readonly maxImageFrames: number;
  /** Pixels decoded at once over all requests (docs/SIDECAR.md); past it scans answer 503 OVERLOADED. */
  readonly decodeBudgetPixels: number;
  /** Scans that may wait for the decode budget (0: none wait). */
  readonly decodeQueueLength: number;
  /** How long one of them waits before 503 OVERLOADED. */
  readonly decodeQueueWaitMs: number;
  /** Largest `/v1/scan/batch` body; kept small so that parsing it never holds the event loop long. */
  readonly maxBatchBytes: number;
  /** Bytes of scan bodies held at once over all requests, taken before a body is read; past it 503 OVERLOADED. */
  readonly bodyBudgetBytes: number;
  /** Requests that may wait (unread, for up to decodeQueueWaitMs) for room for their bodies (0: none wait). */
  readonly bodyQueueLength: number;
  /** Worker threads hashing animations and pictures with transparency (0: on the main thread). */
  readonly scanThreads: number;
  readonly maxBatchItems: number;
  /** Time from the start of reading a request body to its end; past it 408 BODY_TIMEOUT. */
  readonly bodyTimeoutMs: number;
  /** On SIGTERM, how long scans and report deliveries in flight may take to finish. */
  readonly shutdownDeadlineSeconds: number;
  /** Retry-After and the Centre's wait hints are obeyed up to this, for sync and report delivery alike; default 3600. */
  readonly maxRetryAfterSeconds: number;
  /** A signed `issuedAt` (timestamp, order list) further ahead of the local clock than this is refused; default 300. */
  readonly maxClockSkewSeconds: number;
  /** Where decisions on this provider's reports are POSTed (docs/SIDECAR.md, "Decisions"); undefined: none, the platform polls GET /v1/decisions. */
  readonly decisionWebhook: DecisionWebhookConfig | undefined;
  /** Largest video `/v1/scan` takes (bytes); streamed to a private spool file, never held in memory. */
  readonly maxVideoBytes: number;
  /** Longest video scanned (seconds, from the container's declared duration, and checked again while decoding). */
  readonly maxVideoSeconds: number;
  /** Seconds of video between hashed frames (vPDQ's secondsPerHash; 0: every frame). */
  readonly videoSecondsPerHash: number;
  /** Videos hashed at once (each one ffmpeg child on one core). */
  readonly videoScanConcurrency: number;
  /** Video scans that may wait for a free slot (0: none wait); past it 503 OVERLOADED. */
  readonly videoQueueLength: number;
  /** How long one of them waits before 503 OVERLOADED. */
  readonly videoQueueWaitMs: number;
  /** Wall-clock limit of one video scan, from the first byte received to the last frame hashed. */
  readonly videoTimeoutMs: number;
  /** Witness verifier keys (cosignature/v1, type 0x04) the sidecar counts (docs/SIDECAR.md, "Witnesses"). */
  readonly witnesses: readonly string[];
  /** How many of `witnesses` must have cosigned a checkpoint (PROTOCOL 9.3 step 6a); 0, the default, requires none. */
  readonly witnessQuorum: number;
}

/** Far above any sensible quorum; each costs one signature check per checkpoint. */
export const MAX_WITNESSES = 32;

const KEYS = ['centre', 'mode', 'reportTo', 'allowInsecureHttp', 'deliveredRetentionDays', 'providerToken', 'provider', 'rootKey', 'rootKeys', 'rootThreshold', 'feed', 'dataDir', 'listen', 'localToken', 'surfaces', 'providerKeyFile', 'encryptionKeyFile', 'syncIntervalSeconds', 'maxImageBytes', 'maxImagePixels', 'maxImageFrames', 'decodeBudgetPixels', 'decodeQueueLength', 'decodeQueueWaitMs', 'maxBatchBytes', 'bodyBudgetBytes', 'bodyQueueLength', 'scanThreads', 'maxBatchItems', 'bodyTimeoutMs', 'shutdownDeadlineSeconds', 'maxRetryAfterSeconds', 'maxClockSkewSeconds', 'decisionWebhook', 'witnesses', 'witnessQuorum', 'maxVideoBytes', 'maxVideoSeconds', 'videoSecondsPerHash', 'videoScanConcurrency', 'videoQueueLength', 'videoQueueWaitMs', 'videoTimeoutMs'] as const;

/** 512 MiB: a few minutes of phone video; streamed to disk, so memory does not grow with it. */
export const DEFAULT_MAX_VIDEO_BYTES = 512 * 1024 * 1024;
/** 10 minutes: at one hash a second, 600 frames, about a minute of one core (docs/VIDEO.md, bench:video). */
export const DEFAULT_MAX_VIDEO_SECONDS = 600;
export const DEFAULT_VIDEO_QUEUE_LENGTH = 4;
/** A video scan takes tens of seconds: a waiting one may wait that long. */
export const DEFAULT_VIDEO_QUEUE_WAIT_MS = 60_000;
/** 10 minutes: receiving 512 MiB and hashing 10 minutes of video, with room for a loaded machine. */
export const DEFAULT_VIDEO_TIMEOUT_MS = 10 * 60_000;

/** Environment overrides: HASHFEED_<KEY in upper snake case>, e.g. HASHFEED_PROVIDER_TOKEN. */
export const envName = (key: string): string => `HASHFEED_${key.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`;

/** Reads, overrides from the environment and validates the sidecar's JSON config; relative paths resolve against the file's folder. */
export function loadSidecarConfig(path: string, env: NodeJS.ProcessEnv = process.env): SidecarConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (cause) {
    throw new SidecarConfigError('CONFIG_UNREADABLE', `cannot read ${path}`, { cause });
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (cause) {
    throw new SidecarConfigError('CONFIG_INVALID', `${path} is not valid JSON`, { cause });
  }
  return parseSidecarConfig(value, dirname(resolve(path)), env);
}

export function parseSidecarConfig(value: unknown, baseDir: string, env: NodeJS.ProcessEnv = {}): SidecarConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw invalid('the config must be a JSON object');
  for (const key of Object.keys(value)) {
    if (!(KEYS as readonly string[]).includes(key)) throw invalid(`unknown key ${quote(key)} (known: ${KEYS.join(', ')})`);
  }
  const raw = (key: (typeof KEYS)[number]): unknown => env[envName(key)] ?? (Object.hasOwn(value, key) ? Reflect.get(value, key) : undefined);
  const text = (key: (typeof KEYS)[number], fallback?: string): string => {
    const setting = raw(key) ?? fallback;
    if (typeof setting !== 'string' || setting === '') throw invalid(`'${key}' must be a non-empty string (or set ${envName(key)})`);
    return setting;
  };
  const int = (key: (typeof KEYS)[number], fallback: number, min = 1): number => {
    const v = raw(key) ?? fallback;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < min) throw invalid(`'${key}' must be an integer of at least ${min}`);
    return n;
  };
  const flag = (key: (typeof KEYS)[number]): boolean => {
    const v = raw(key) ?? false;
    if (v === true || v === 'true') return true;
    if (v === false || v === 'false') return false;
    throw invalid(`'${key}' must be true or false`);
  };
  const path = (p: string): string => (isAbsolute(p) ? p : join(baseDir, p));
  const url = (key: (typeof KEYS)[number], fallback?: string): string => {
    const v = text(key, fallback);
    if (!/^https?:\/\/[^\s]+$/.test(v) || !URL.canParse(v)) throw invalid(`'${key}' must be an http(s) URL`);
    return v;
  };

  const mode = text('mode', 'centre');
  if (mode !== 'centre' && mode !== 'mirror') throw invalid("'mode' must be 'centre' or 'mirror'");
  const centre = url('centre');
  if (mode === 'mirror' && raw('reportTo') === undefined) {
    throw new SidecarConfigError('CONFIG_REPORT_TO_REQUIRED', `mirror mode needs 'reportTo', the Centre's URL (or set ${envName('reportTo')}): orders, key registration and reports go there with the provider token, never to the mirror`);
  }
  const reportTo = url('reportTo', centre);
  const allowInsecureHttp = flag('allowInsecureHttp');
  // The token travels to the Centre (and to `centre` in centre mode); a mirror gets none.
  for (const [key, target] of mode === 'centre' ? [['centre', centre], ['reportTo', reportTo]] : [['reportTo', reportTo]]) {
    if (!allowInsecureHttp && !isSecureEnough(target ?? '')) {
      throw new SidecarConfigError('CONFIG_INSECURE_URL', `'${key}' is plain http to a host off loopback: the provider token would cross the network unencrypted; use https, or set allowInsecureHttp: true on a network you trust`);
    }
  }
  const { rootKeys, rootThreshold } = rootPinFrom(raw('rootKey'), raw('rootKeys'), raw('rootThreshold'));
  const rootKey = rootKeys[0] ?? '';
  const feed = text('feed', /^hashfeed\/([a-z0-9][a-z0-9._-]{0,62})\/root(?:-\d+)?\+/.exec(rootKey)?.[1]);
  const localToken = text('localToken');
  if (localToken.length < 16) throw invalid("'localToken' must be at least 16 characters");
  const dataDir = path(text('dataDir'));
  const maxImageBytes = int('maxImageBytes', 50 * 1024 * 1024);
  const maxBatchBytes = int('maxBatchBytes', DEFAULT_MAX_BATCH_BYTES);
  const bodyBudgetBytes = int('bodyBudgetBytes', Math.max(DEFAULT_BODY_BUDGET_BYTES, maxImageBytes, maxBatchBytes));
  // A body the budget could never hold would wait for nothing, then be refused for ever.
  if (bodyBudgetBytes < Math.max(maxImageBytes, maxBatchBytes)) throw invalid("'bodyBudgetBytes' must be at least 'maxImageBytes' and 'maxBatchBytes'");
  return {
    centre,
    mode,
    reportTo,
    allowInsecureHttp,
    deliveredRetentionDays: int('deliveredRetentionDays', 30),
    providerToken: text('providerToken'),
    provider: text('provider'),
    rootKey,
    rootKeys,
    rootThreshold,
    feed,
    dataDir,
    listen: text('listen', '127.0.0.1:8710'),
    localToken,
    surfaces: surfacesFrom(raw('surfaces')),
    providerKeyFile: path(text('providerKeyFile', join(dataDir, 'provider.key'))),
    encryptionKeyFile: path(text('encryptionKeyFile', join(dataDir, 'encryption.key'))),
    syncIntervalSeconds: int('syncIntervalSeconds', 60),
    maxImageBytes,
    maxImagePixels: int('maxImagePixels', 100_000_000),
    maxImageFrames: int('maxImageFrames', DEFAULT_MAX_FRAMES),
    decodeBudgetPixels: int('decodeBudgetPixels', DEFAULT_DECODE_BUDGET_PIXELS),
    decodeQueueLength: int('decodeQueueLength', DEFAULT_DECODE_QUEUE_LENGTH, 0),
    decodeQueueWaitMs: int('decodeQueueWaitMs', DEFAULT_DECODE_QUEUE_WAIT_MS, 0),
    maxBatchBytes,
    bodyBudgetBytes,
    bodyQueueLength: int('bodyQueueLength', DEFAULT_BODY_QUEUE_LENGTH, 0),
    scanThreads: bounded('scanThreads', int('scanThreads', Math.min(4, availableParallelism()), 0), 64),
    maxBatchItems: int('maxBatchItems', DEFAULT_MAX_BATCH_ITEMS),
    bodyTimeoutMs: int('bodyTimeoutMs', DEFAULT_BODY_TIMEOUT_MS),
    // Below the 30 s most orchestrators wait between SIGTERM and SIGKILL.
    shutdownDeadlineSeconds: int('shutdownDeadlineSeconds', 20),
    // Both end up in setTimeout or in date arithmetic: a day and a year are far beyond any sensible setting.
    maxRetryAfterSeconds: bounded('maxRetryAfterSeconds', int('maxRetryAfterSeconds', 3600), 86_400),
    maxClockSkewSeconds: bounded('maxClockSkewSeconds', int('maxClockSkewSeconds', 300, 0), 86_400),
    decisionWebhook: decisionWebhookFrom(raw('decisionWebhook'), allowInsecureHttp),
    ...witnessesFrom(raw('witnesses'), raw('witnessQuorum')),
    maxVideoBytes: int('maxVideoBytes', DEFAULT_MAX_VIDEO_BYTES),
    // Three hours is the decoder's own ceiling (shared/video/limits.ts).
    maxVideoSeconds: bounded('maxVideoSeconds', int('maxVideoSeconds', DEFAULT_MAX_VIDEO_SECONDS), 3 * 3600),
    videoSecondsPerHash: secondsPerHashFrom(raw('videoSecondsPerHash')),
    videoScanConcurrency: bounded('videoScanConcurrency', int('videoScanConcurrency', 1), 64),
    videoQueueLength: int('videoQueueLength', DEFAULT_VIDEO_QUEUE_LENGTH, 0),
    videoQueueWaitMs: int('videoQueueWaitMs', DEFAULT_VIDEO_QUEUE_WAIT_MS, 0),
    videoTimeoutMs: int('videoTimeoutMs', DEFAULT_VIDEO_TIMEOUT_MS),
  };
}

/** Secrets shorter than this are guessable; the platform should generate a random one. */
const MIN_WEBHOOK_SECRET_LENGTH = 16;

/**
 * `decisionWebhook` (an object, or its JSON in the environment): `url`,
 * and exactly one of `secret` (HMAC) or `bearerToken`. Either one crosses
 * the network with every call, so the URL is https, or http to loopback,
 * unless allowInsecureHttp.
 */
function decisionWebhookFrom(value: unknown, allowInsecureHttp: boolean): DecisionWebhookConfig | undefined {
  if (value === undefined) return undefined;
  const setting = typeof value === 'string' ? parseJson(value, 'decisionWebhook') : value;
  if (typeof setting !== 'object' || setting === null || Array.isArray(setting)) throw invalid("'decisionWebhook' must be an object with 'url' and 'secret' or 'bearerToken'");
  for (const key of Object.keys(setting)) {
    if (!['url', 'secret', 'bearerToken'].includes(key)) throw invalid(`'decisionWebhook' has unknown key ${quote(key)} (known: url, secret, bearerToken)`);
  }
  const field = (key: string): unknown => (Object.hasOwn(setting, key) ? Reflect.get(setting, key) : undefined);
  const url = field('url');
  if (typeof url !== 'string' || !/^https?:\/\/[^\s]+$/.test(url) || !URL.canParse(url)) throw invalid("'decisionWebhook.url' must be an http(s) URL");
  // fetch refuses a URL with credentials, so every call would fail; the credential goes in `secret` or `bearerToken`.
  const parsed = new URL(url);
  if (parsed.username !== '' || parsed.password !== '') throw invalid("'decisionWebhook.url' must not carry user:password (use 'secret' or 'bearerToken')");
  if (!allowInsecureHttp && !isSecureEnough(url)) {
    throw new SidecarConfigError('CONFIG_INSECURE_URL', "'decisionWebhook.url' is plain http to a host off loopback: its secret and the decisions would cross the network unencrypted; use https, or set allowInsecureHttp: true on a network you trust");
  }
  const secret = field('secret');
  const bearerToken = field('bearerToken');
  if ((secret === undefined) === (bearerToken === undefined)) throw invalid("'decisionWebhook' needs exactly one of 'secret' (HMAC signature) or 'bearerToken'");
  const credential = secret ?? bearerToken;
  if (typeof credential !== 'string' || credential.length < MIN_WEBHOOK_SECRET_LENGTH || /[\s\p{C}]/u.test(credential)) {
    throw invalid(`'decisionWebhook.${secret === undefined ? 'bearerToken' : 'secret'}' must be a string of at least ${MIN_WEBHOOK_SECRET_LENGTH} characters without white space`);
  }
  return secret === undefined ? { url, bearerToken: credential } : { url, secret: credential };
}

/**
 * The pin (docs/SIDECAR.md, "Root of trust"): `rootKey` alone (threshold
 * 1), or `rootKeys` (a JSON array, or comma-separated in the environment)
 * with `rootThreshold`, never both. Each key must parse as a verifier key.
 */
function rootPinFrom(single: unknown, list: unknown, threshold: unknown): { rootKeys: readonly string[]; rootThreshold: number } {
  if (single !== undefined && list !== undefined) throw invalid("set 'rootKey' or 'rootKeys', not both");
  if (single === undefined && list === undefined) throw invalid(`'rootKey' (one pinned root key) or 'rootKeys' with 'rootThreshold' is required (or set ${envName('rootKey')})`);
  let keys: unknown = single === undefined ? list : [single];
  if (typeof keys === 'string') keys = keys.trim().startsWith('[') ? parseJson(keys, 'rootKeys') : keys.split(',').map((k) => k.trim());
  if (!Array.isArray(keys) || keys.length < 1 || keys.length > MAX_ROOT_KEYS) throw invalid(`'rootKeys' must be a list of 1 to ${MAX_ROOT_KEYS} root verifier keys`);
  const publicKeys = new Set<string>();
  const rootKeys = keys.map((key: unknown, i) => {
    if (typeof key !== 'string' || key === '') throw invalid(single === undefined ? `'rootKeys[${i}]' must be a non-empty string` : "'rootKey' must be a non-empty string");
    try {
      // One public key under two names is one holder: it counts once towards the threshold (docs/PROTOCOL.md 4.1).
      publicKeys.add(Buffer.from(parseVerifierKey(key).publicKey).toString('hex'));
    } catch (cause) {
      throw new SidecarConfigError('CONFIG_INVALID', `${single === undefined ? `'rootKeys[${i}]'` : "'rootKey'"} is not a verifier key (as \`centre init\` prints it: name+keyid+base64)`, { cause });
    }
    return key;
  });
  if (publicKeys.size !== rootKeys.length) throw invalid("'rootKeys' lists a key twice (the same public key, whatever its name)");
  if (single !== undefined && threshold !== undefined && threshold !== 1 && threshold !== '1') throw invalid("'rootThreshold' goes with 'rootKeys'; one 'rootKey' is a threshold of 1");
  if (single === undefined && threshold === undefined) throw invalid("'rootKeys' needs 'rootThreshold': how many of them must sign");
  const n = typeof threshold === 'string' ? Number(threshold) : (threshold ?? 1);
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1 || n > rootKeys.length) throw invalid(`'rootThreshold' must be an integer from 1 to the number of root keys (${rootKeys.length})`);
  return { rootKeys, rootThreshold: n };
}

/**
 * `witnesses` (a JSON array, or comma-separated in the environment) of
 * distinct witness verifier keys, and `witnessQuorum`, from 0 (default)
 * to their number.
 */
function witnessesFrom(list: unknown, quorum: unknown): { witnesses: readonly string[]; witnessQuorum: number } {
  let keys: unknown = list ?? [];
  if (typeof keys === 'string') keys = keys.trim().startsWith('[') ? parseJson(keys, 'witnesses') : keys.split(',').map((k) => k.trim()).filter((k) => k !== '');
  if (!Array.isArray(keys) || keys.length > MAX_WITNESSES) throw invalid(`'witnesses' must be a list of at most ${MAX_WITNESSES} witness verifier keys`);
  const publicKeys = new Set<string>();
  const witnesses = keys.map((key: unknown, i) => {
    try {
      publicKeys.add(Buffer.from(parseVerifierKey(key, { signatureTypes: [SIGNATURE_TYPE_COSIGNATURE_V1] }).publicKey).toString('hex'));
    } catch (cause) {
      throw new SidecarConfigError('CONFIG_INVALID', `'witnesses[${i}]' is not a witness verifier key (cosignature/v1, as \`witness init\` prints it)`, { cause });
    }
    return String(key);
  });
  // One witness listed twice would count twice towards the quorum.
  if (publicKeys.size !== witnesses.length) throw invalid("'witnesses' lists a key twice");
  const n = typeof quorum === 'string' ? Number(quorum) : (quorum ?? 0);
  if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 0 || n > witnesses.length) {
    throw invalid(`'witnessQuorum' must be an integer from 0 to the number of witnesses (${witnesses.length})`);
  }
  return { witnesses, witnessQuorum: n };
}

function parseJson(text: string, key: string): unknown {
  try {
    return JSON.parse(text);
  } catch (cause) {
    throw new SidecarConfigError('CONFIG_INVALID', `'${key}' is not valid JSON`, { cause });
  }
}

/** https anywhere; http only to loopback (localhost, 127.0.0.0/8, ::1), where nothing crosses a network. */
function isSecureEnough(target: string): boolean {
  const { protocol, hostname } = new URL(target);
  if (protocol === 'https:') return true;
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}$/.test(hostname);
}

/** The surface list, validated by the policy's own guard (one definition of a valid surface). */
function surfacesFrom(value: unknown): readonly Surface[] {
  let list: unknown = value;
  try {
    if (typeof value === 'string') list = JSON.parse(value);
    return parseSurfaces(list).list();
  } catch (cause) {
    if (cause instanceof PolicyError || cause instanceof SyntaxError) throw new SidecarConfigError('CONFIG_INVALID', cause.message, { cause });
    throw cause;
  }
}

/** vPDQ's secondsPerHash: 0 (every frame) to 60, fractions allowed; default 1. */
function secondsPerHashFrom(value: unknown): number {
  const n = value === undefined ? 1 : typeof value === 'string' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || n < 0 || n > 60) throw invalid("'videoSecondsPerHash' must be a number from 0 (every frame) to 60");
  return n;
}

function bounded(key: string, value: number, max: number): number {
  if (value > max) throw invalid(`'${key}' must be at most ${max}`);
  return value;
}

function invalid(message: string): SidecarConfigError {
  return new SidecarConfigError('CONFIG_INVALID', message);
}
