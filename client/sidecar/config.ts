import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import { CodedError } from '../../shared/errors.ts';
import { parseSurfaces, PolicyError, type Surface } from '../policy/index.ts';

export type SidecarConfigCode = 'CONFIG_UNREADABLE' | 'CONFIG_INVALID';
export class SidecarConfigError extends CodedError<SidecarConfigCode> {}

export interface SidecarConfig {
  /** The Centre's base URL, or a static mirror's. */
  readonly centre: string;
  /** 'centre' (the live API) or 'mirror' (static files of `centre export`); default centre. */
  readonly mode: 'centre' | 'mirror';
  /** Where reports and orders go when `centre` is a mirror; default: `centre`. */
  readonly reportTo: string;
  readonly providerToken: string;
  /** The provider account's name at the Centre (reports carry it; orders are scoped to it). */
  readonly provider: string;
  /** The root verifier key printed by `centre init`: the one key pinned. */
  readonly rootKey: string;
  /** Feed name; default: read from the root key name `hashfeed/<feed>/root`. */
  readonly feed: string;
  readonly dataDir: string;
  /** `host:port`, or a unix socket path. */
  readonly listen: string;
  /** Callers of the local API present it as a bearer token. */
  readonly localToken: string;
  /** Each surface states whether it is end-to-end encrypted (then never scanned). */
  readonly surfaces: readonly Surface[];
  readonly providerKeyFile: string;
  readonly syncIntervalSeconds: number;
  readonly maxImageBytes: number;
  readonly maxImagePixels: number;
  /** On SIGTERM, how long scans and report deliveries in flight may take to finish. */
  readonly shutdownDeadlineSeconds: number;
}

const KEYS = ['centre', 'mode', 'reportTo', 'providerToken', 'provider', 'rootKey', 'feed', 'dataDir', 'listen', 'localToken', 'surfaces', 'providerKeyFile', 'syncIntervalSeconds', 'maxImageBytes', 'maxImagePixels', 'shutdownDeadlineSeconds'] as const;

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
    if (!(KEYS as readonly string[]).includes(key)) throw invalid(`unknown key '${key}' (known: ${KEYS.join(', ')})`);
  }
  const raw = (key: (typeof KEYS)[number]): unknown => env[envName(key)] ?? (Object.hasOwn(value, key) ? Reflect.get(value, key) : undefined);
  const text = (key: (typeof KEYS)[number], fallback?: string): string => {
    const v = raw(key) ?? fallback;
    if (typeof v !== 'string' || v === '') throw invalid(`'${key}' must be a non-empty string (or set ${envName(key)})`);
    return v;
  };
  const int = (key: (typeof KEYS)[number], fallback: number): number => {
    const v = raw(key) ?? fallback;
    const n = typeof v === 'string' ? Number(v) : v;
    if (typeof n !== 'number' || !Number.isSafeInteger(n) || n < 1) throw invalid(`'${key}' must be a positive integer`);
    return n;
  };
  const path = (p: string): string => (isAbsolute(p) ? p : join(baseDir, p));

  const centre = text('centre');
  if (!/^https?:\/\/[^\s]+$/.test(centre)) throw invalid("'centre' must be an http(s) URL");
  const mode = text('mode', 'centre');
  if (mode !== 'centre' && mode !== 'mirror') throw invalid("'mode' must be 'centre' or 'mirror'");
  const rootKey = text('rootKey');
  const feed = text('feed', /^hashfeed\/([a-z0-9][a-z0-9._-]{0,62})\/root\+/.exec(rootKey)?.[1]);
  const localToken = text('localToken');
  if (localToken.length < 16) throw invalid("'localToken' must be at least 16 characters");
  const dataDir = path(text('dataDir'));
  return {
    centre,
    mode,
    reportTo: text('reportTo', centre),
    providerToken: text('providerToken'),
    provider: text('provider'),
    rootKey,
    feed,
    dataDir,
    listen: text('listen', '127.0.0.1:8710'),
    localToken,
    surfaces: surfacesFrom(raw('surfaces')),
    providerKeyFile: path(text('providerKeyFile', join(dataDir, 'provider.key'))),
    syncIntervalSeconds: int('syncIntervalSeconds', 60),
    maxImageBytes: int('maxImageBytes', 50 * 1024 * 1024),
    maxImagePixels: int('maxImagePixels', 100_000_000),
    // Below the 30 s most orchestrators wait between SIGTERM and SIGKILL.
    shutdownDeadlineSeconds: int('shutdownDeadlineSeconds', 20),
  };
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

function invalid(message: string): SidecarConfigError {
  return new SidecarConfigError('CONFIG_INVALID', message);
}
