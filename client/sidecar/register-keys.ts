import { retryDelayMs, type BackoffPolicy } from '../net/backoff.ts';
import { WakeableSleep } from '../net/wakeable-sleep.ts';
import { AccessError } from '../access/errors.ts';

export interface RegisterKeysOptions {
  /** POST /v1/provider/keys (the report key, PROTOCOL 11.3): first, since it vouches for the encryption key. */
  readonly registerReportKey: () => Promise<unknown>;
  /** POST /v1/provider/encryption-keys (PROTOCOL 13.5), signed by the report key. */
  readonly registerEncryptionKey: () => Promise<unknown>;
  readonly backoff: BackoffPolicy;
  readonly signal: AbortSignal;
  readonly onFailure: (err: unknown, retryInMs: number) => void;
  /** The Centre answered 404 for the encryption key route: a Centre from before the sealed feed. Nothing is retried. */
  readonly onOlderCentre: () => void;
}

/**
 * At start: registers the report key, then the encryption key, both
 * idempotent at the Centre, retrying with the sidecar's back-off (with
 * jitter, never sooner than Retry-After) until both are registered or the
 * sidecar stops.
 */
export async function registerKeysUntilDone(options: RegisterKeysOptions): Promise<void> {
  const sleeper = new WakeableSleep();
  for (let failures = 0; !options.signal.aborted; ) {
    try {
      await options.registerReportKey();
      await options.registerEncryptionKey();
      return;
    } catch (err) {
      if (err instanceof AccessError && err.code === 'ENCRYPTION_KEY_REGISTRATION_FAILED' && err.status === 404) {
        options.onOlderCentre();
        return;
      }
      failures++;
      const wait = retryDelayMs(options.backoff, failures, err instanceof AccessError ? err.retryAfterMs : undefined);
      options.onFailure(err, wait);
      await sleeper.sleep(wait, options.signal);
    }
  }
}
