import { CodedError } from '../shared/errors.ts';
import { CATEGORY_PATTERN, REASON_PATTERN } from '../shared/wire/indicator-group.ts';
import { FEED_NAME_PATTERN } from '../shared/wire/delta.ts';
import type { RateLimitConfig } from './http/rate-limit.ts';
import { SUSPENDED_REASON } from './store/indicators.ts';

export type ConfigCode = 'CONFIG_INVALID';
export class ConfigError extends CodedError<ConfigCode> {}

/** Everything an operator may tune; `centre init` writes it to <data>/centre.json. */
export interface CentreConfig {
  /** Feed name: the log origin is `hashfeed/<feed>`. Never changes after init. */
  readonly feed: string;
  /** The category scheme authorities classify by. */
  readonly categories: readonly string[];
  /** Reason codes accepted when an indicator is revoked. */
  readonly reasonCodes: readonly string[];
  /** Two-source rule: distinct confirming authorities needed before publication. */
  readonly minConfirmations: number;
  readonly timestampIntervalSeconds: number;
  readonly timestampTtlSeconds: number;
  /** Validity of a signing-key certificate issued by init or rotate. */
  readonly signingKeyValidityDays: number;
  /** Deltas per /v1/feed/deltas response; a client further behind continues. */
  readonly maxDeltasPerResponse: number;
  readonly maxDeltaBytesPerResponse: number;
  /** Polling hint sent to clients (Safe Browsing's minimumWaitDuration). */
  readonly minimumWaitSeconds: number;
  readonly maxIndicatorRows: number;
  /** The cap of an NDJSON or CSV indicator upload; a JSON one has maxJsonBodyBytes, like every other JSON body. */
  readonly maxIndicatorBodyBytes: number;
  readonly maxJsonBodyBytes: number;
  /**
   * How far a report's `detectedAt` may run ahead of the Centre's receive
   * time (sidecar clocks drift); beyond it a report is REPORT_TIME_INVALID.
   */
  readonly reportClockSkewSeconds: number;
  /**
   * How long before its receipt a report may have been detected: a sidecar
   * queues reports while the Centre is unreachable, but not for ever.
   */
  readonly maxReportAgeDays: number;
  /** A request body must arrive whole within this time (a trickling client gets 408 BODY_TIMEOUT). */
  readonly bodyTimeoutSeconds: number;
  /** Snapshot envelopes kept, latest first; older ones are pruned at publication (their log leaves stay). */
  readonly snapshotsKept: number;
  readonly rateLimit: RateLimitConfig;
  /** Failed authentications allowed per client (peer address) before every token from it is refused with 429 for a while. */
  readonly authFailureLimit: RateLimitConfig;
  /** A request whose handler has not answered by then gets 503 REQUEST_TIMEOUT. */
  readonly requestTimeoutSeconds: number;
  /** On SIGTERM, how long requests in flight may take to finish before their connections are cut. */
  readonly shutdownDeadlineSeconds: number;
  /** How long a reviewer holds a claimed report (or QA check) before it returns to the queue. */
  readonly reviewLeaseMinutes: number;
  /** The share of decisions (0 to 1) queued for a second reviewer's check. */
  readonly qaSampleRate: number;
  /** Reports of one provider, subject and indicator received within this time of a bundle's first are decided together. */
  readonly bundleWindowHours: number;
  /** Reports citing an indicator of these categories are urgent: the queue hands them out first. */
  readonly urgentCategories: readonly string[];
  /**
   * An indicator is suspended once reports from this many distinct providers
   * stand judged unfounded for preview_mismatch or indicator_error
   * (server/review/indicator-quality.ts).
   */
  readonly suspendAfterProviders: number;
  /**
   * Calendar months after its final decision that a report's envelope,
   * preview and subject are purged (a held report not before its hold ends;
   * server/review/retention.ts).
   */
  readonly reportRetentionMonths: number;
}

export const DEFAULT_CONFIG: CentreConfig = {
  feed: 'eu-centre',
  categories: ['A1', 'A2', 'B1', 'B2'],
  reasonCodes: ['FALSE_POSITIVE', 'NOT_ILLEGAL', 'DUPLICATE', 'COURT_DECISION', 'WITHDRAWN', 'ENTRY_ERROR'],
  minConfirmations: 1,
  timestampIntervalSeconds: 300,
  timestampTtlSeconds: 86_400,
  signingKeyValidityDays: 365,
  maxDeltasPerResponse: 100,
  maxDeltaBytesPerResponse: 64 * 1024 * 1024,
  minimumWaitSeconds: 60,
  maxIndicatorRows: 1_000_000,
  maxIndicatorBodyBytes: 256 * 1024 * 1024,
  maxJsonBodyBytes: 1024 * 1024,
  reportClockSkewSeconds: 300,
  maxReportAgeDays: 30,
  bodyTimeoutSeconds: 120,
  snapshotsKept: 3,
  rateLimit: { burst: 120, perSecond: 20 },
  authFailureLimit: { burst: 20, perSecond: 0.2 },
  requestTimeoutSeconds: 120,
  // Below the 30 s most orchestrators wait between SIGTERM and SIGKILL.
  shutdownDeadlineSeconds: 20,
  reviewLeaseMinutes: 15,
  qaSampleRate: 0.05,
  bundleWindowHours: 24,
  // The scheme's first category is its gravest by convention (A1: the youngest victims); operators name their own.
  urgentCategories: ['A1'],
  suspendAfterProviders: 3,
  reportRetentionMonths: 12,
};

const posInt = (v: unknown, name: string, max = Number.MAX_SAFE_INTEGER): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v) || v < 1 || v > max) throw new ConfigError('CONFIG_INVALID', `${name} must be an integer from 1 to ${max}`);
  return v;
};

const codes = (v: unknown, name: string, pattern: RegExp): string[] => {
  if (!Array.isArray(v) || v.length === 0 || v.length > 255) throw new ConfigError('CONFIG_INVALID', `${name} must be a list of 1 to 255 codes`);
  return v.map((c: unknown) => {
    if (typeof c !== 'string' || !pattern.test(c)) throw new ConfigError('CONFIG_INVALID', `${name}: '${String(c)}' does not match ${pattern}`);
    return c;
  });
};

/** Validates a config object (from centre.json), filling defaults for absent keys and refusing unknown ones. */
export function parseCentreConfig(value: unknown): CentreConfig {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigError('CONFIG_INVALID', 'the config must be a JSON object');
  const known = Object.keys(DEFAULT_CONFIG);
  for (const key of Object.keys(value)) {
    if (!known.includes(key)) throw new ConfigError('CONFIG_INVALID', `unknown config key '${key}'`);
  }
  const get = (key: keyof CentreConfig): unknown => (Object.hasOwn(value, key) ? Reflect.get(value, key) : DEFAULT_CONFIG[key]);
  const feed = get('feed');
  if (typeof feed !== 'string' || !FEED_NAME_PATTERN.test(feed)) throw new ConfigError('CONFIG_INVALID', `feed must match ${FEED_NAME_PATTERN}`);
  const categories = codes(get('categories'), 'categories', CATEGORY_PATTERN);
  return {
    feed,
    categories,
    reasonCodes: revocationReasons(get('reasonCodes')),
    minConfirmations: posInt(get('minConfirmations'), 'minConfirmations', 16),
    timestampIntervalSeconds: posInt(get('timestampIntervalSeconds'), 'timestampIntervalSeconds'),
    timestampTtlSeconds: posInt(get('timestampTtlSeconds'), 'timestampTtlSeconds'),
    signingKeyValidityDays: posInt(get('signingKeyValidityDays'), 'signingKeyValidityDays', 3650),
    maxDeltasPerResponse: posInt(get('maxDeltasPerResponse'), 'maxDeltasPerResponse', 10_000),
    maxDeltaBytesPerResponse: posInt(get('maxDeltaBytesPerResponse'), 'maxDeltaBytesPerResponse'),
    minimumWaitSeconds: posInt(get('minimumWaitSeconds'), 'minimumWaitSeconds'),
    maxIndicatorRows: posInt(get('maxIndicatorRows'), 'maxIndicatorRows', 10_000_000),
    maxIndicatorBodyBytes: posInt(get('maxIndicatorBodyBytes'), 'maxIndicatorBodyBytes'),
    maxJsonBodyBytes: posInt(get('maxJsonBodyBytes'), 'maxJsonBodyBytes'),
    reportClockSkewSeconds: posInt(get('reportClockSkewSeconds'), 'reportClockSkewSeconds', 86_400),
    maxReportAgeDays: posInt(get('maxReportAgeDays'), 'maxReportAgeDays', 3650),
    bodyTimeoutSeconds: posInt(get('bodyTimeoutSeconds'), 'bodyTimeoutSeconds', 3600),
    snapshotsKept: posInt(get('snapshotsKept'), 'snapshotsKept', 1000),
    rateLimit: rateLimit(get('rateLimit'), 'rateLimit'),
    authFailureLimit: rateLimit(get('authFailureLimit'), 'authFailureLimit'),
    requestTimeoutSeconds: posInt(get('requestTimeoutSeconds'), 'requestTimeoutSeconds', 3600),
    shutdownDeadlineSeconds: posInt(get('shutdownDeadlineSeconds'), 'shutdownDeadlineSeconds', 3600),
    reviewLeaseMinutes: posInt(get('reviewLeaseMinutes'), 'reviewLeaseMinutes', 24 * 60),
    qaSampleRate: fraction(get('qaSampleRate'), 'qaSampleRate'),
    bundleWindowHours: posInt(get('bundleWindowHours'), 'bundleWindowHours', 30 * 24),
    // Absent, the default keeps only the categories this scheme has: a centre.json from before, with its own scheme, still loads.
    urgentCategories: Object.hasOwn(value, 'urgentCategories')
      ? urgentCategories(get('urgentCategories'), categories)
      : DEFAULT_CONFIG.urgentCategories.filter((c) => categories.includes(c)),
    suspendAfterProviders: posInt(get('suspendAfterProviders'), 'suspendAfterProviders', 1000),
    reportRetentionMonths: posInt(get('reportRetentionMonths'), 'reportRetentionMonths', 120),
  };
}

/** An authority's revocation reasons: SUSPENDED is the Centre's own tombstone reason (the quality loop), never one of them. */
function revocationReasons(value: unknown): string[] {
  const reasons = codes(value, 'reasonCodes', REASON_PATTERN);
  if (reasons.includes(SUSPENDED_REASON)) throw new ConfigError('CONFIG_INVALID', `reasonCodes: ${SUSPENDED_REASON} is reserved for the Centre's suspensions`);
  return reasons;
}

function fraction(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > 1) throw new ConfigError('CONFIG_INVALID', `${name} must be a number from 0 to 1`);
  return value;
}

/** A subset of the scheme's categories; empty means no report jumps the queue. */
function urgentCategories(value: unknown, categories: readonly string[]): string[] {
  if (!Array.isArray(value) || value.length > categories.length) throw new ConfigError('CONFIG_INVALID', 'urgentCategories must be a list of categories');
  return value.map((c: unknown) => {
    if (typeof c !== 'string' || !categories.includes(c)) throw new ConfigError('CONFIG_INVALID', `urgentCategories: '${String(c)}' is not one of the categories`);
    return c;
  });
}

/** {burst, perSecond}: a whole burst, and a positive rate that may be a fraction (0.2: one per 5 s). */
function rateLimit(value: unknown, name: string): RateLimitConfig {
  if (typeof value !== 'object' || value === null) throw new ConfigError('CONFIG_INVALID', `${name} must be {burst, perSecond}`);
  const perSecond: unknown = Reflect.get(value, 'perSecond');
  if (typeof perSecond !== 'number' || !Number.isFinite(perSecond) || perSecond < 0.001 || perSecond > 1_000_000) {
    throw new ConfigError('CONFIG_INVALID', `${name}.perSecond must be a number from 0.001 to 1000000`);
  }
  return { burst: posInt(Reflect.get(value, 'burst'), `${name}.burst`), perSecond };
}
