import type pino from 'pino';
import { parseVerifierKey, SIGNATURE_TYPE_COSIGNATURE_V1, bytesEqual } from '../../shared/crypto/index.ts';
import { CodedError } from '../../shared/errors.ts';
import { formatCheckpoint, formatSignatureLine, parseNote, verifyNote } from '../../shared/note/index.ts';
import { clampTimerMs } from '../../shared/timer.ts';
import type { Centre } from '../centre.ts';
import type { WitnessConfig } from '../config.ts';
import { formatAddCheckpoint, TLOG_SIZE_MEDIA_TYPE } from '../witness/index.ts';

/** Why a submission to a witness failed; logged, retried with backoff, never fatal to publishing. */
export type SubmissionCode = 'WITNESS_UNREACHABLE' | 'WITNESS_REFUSED' | 'WITNESS_AHEAD' | 'WITNESS_BAD_ANSWER';
export class SubmissionError extends CodedError<SubmissionCode> {}

export interface WitnessSubmitterOptions {
  readonly centre: Centre;
  readonly clock: () => number;
  readonly logger: pino.Logger;
  readonly fetch?: typeof fetch;
  /** How often the log is checked for a checkpoint a witness has not cosigned; default 1 s. */
  readonly pollMs?: number;
  /** Each request, body included, must be answered within this; default 10 s. */
  readonly timeoutMs?: number;
}

const MAX_ANSWER_BYTES = 16 * 1024;
const FIRST_RETRY_MS = 1_000;
const MAX_RETRY_MS = 5 * 60_000;
/** A 409 names the size the witness holds; one retry from it is enough, a second guards a race with another submitter. */
const MAX_CONFLICT_RETRIES = 2;
/** The last instant a Date holds (8.64e15 ms): a later cosignature time could not be shown (/v1/transparency). */
const MAX_COSIGNATURE_SECONDS = 8_640_000_000_000;
const SIZE_ANSWER = /^(0|[1-9][0-9]{0,15})\n$/;

interface Attempts {
  busy: boolean;
  failures: number;
  nextAt: number;
  /** The size the witness said it holds (409), until the next cosignature is recorded. */
  sizeHint: number | undefined;
}

/**
 * Gets the Centre's checkpoints cosigned (c2sp.org/tlog-witness): whenever
 * the latest checkpoint's body differs from the one a configured witness
 * last cosigned (a publication, a first start), it is submitted with the
 * consistency proof from the size that witness last cosigned (none from
 * 0); a 409 naming another size is retried from that size. Verified
 * cosignatures are stored (WitnessCosignatures) and served on the
 * checkpoint. It runs beside publishing and never blocks it: each request
 * is bounded in time and bytes, and a failing witness is retried with
 * exponential backoff (1 s to 5 min).
 */
export class WitnessSubmitter {
  readonly #options: WitnessSubmitterOptions;
  readonly #attempts = new Map<string, Attempts>();
  readonly #inFlight = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  #timer: NodeJS.Timeout | undefined;

  constructor(options: WitnessSubmitterOptions) {
    this.#options = options;
  }

  start(): void {
    if (this.#timer !== undefined || this.#options.centre.cosignatures.witnesses.length === 0) return;
    this.#timer = setInterval(() => this.tick(), clampTimerMs(this.#options.pollMs ?? 1_000));
    this.#timer.unref();
    this.tick();
  }

  /** Stops polling, aborts the requests in flight and waits for them. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    this.#abort.abort();
    await Promise.allSettled([...this.#inFlight]);
  }

  /** Submits the latest checkpoint to each witness that has not cosigned it and is not waiting out a backoff. */
  tick(): void {
    if (this.#abort.signal.aborted) return;
    const { centre, clock } = this.#options;
    const now = clock();
    // Cheap when every witness is current (the common case, every poll): the recorded head's body, no signing.
    const recorded = centre.log.latestCheckpoint();
    const recordedBody = recorded === undefined ? undefined : formatCheckpoint({ origin: centre.log.origin, size: recorded.size, rootHash: recorded.rootHash, extensions: [] });
    if (recordedBody !== undefined && recorded?.size === centre.log.size() && centre.cosignatures.witnesses.every((w) => centre.cosignatures.latest(w.vkey)?.body === recordedBody)) return;
    let head: ReturnType<Centre['signedCheckpoint']>;
    try {
      head = centre.signedCheckpoint(now);
    } catch (err) {
      this.#options.logger.error({ err }, 'witness submission: no checkpoint to submit');
      return;
    }
    for (const witness of centre.cosignatures.witnesses) {
      const attempts = this.#attempts.get(witness.vkey) ?? { busy: false, failures: 0, nextAt: 0, sizeHint: undefined };
      this.#attempts.set(witness.vkey, attempts);
      if (attempts.busy || now < attempts.nextAt || centre.cosignatures.latest(witness.vkey)?.body === head.body) continue;
      attempts.busy = true;
      const submission = this.#submit(witness, head, attempts).then(
        () => {
          attempts.failures = 0;
          attempts.nextAt = 0;
          attempts.sizeHint = undefined;
        },
        (err: unknown) => {
          attempts.failures++;
          attempts.nextAt = clock() + Math.min(MAX_RETRY_MS, FIRST_RETRY_MS * 2 ** Math.min(attempts.failures - 1, 20));
          if (!this.#abort.signal.aborted) {
            this.#options.logger.warn({ witness: witness.url, code: err instanceof CodedError ? err.code : undefined, message: err instanceof Error ? err.message : String(err), failures: attempts.failures }, 'witness submission failed');
          }
        },
      );
      const tracked = submission.finally(() => {
        attempts.busy = false;
        this.#inFlight.delete(tracked);
      });
      this.#inFlight.add(tracked);
    }
  }

  /** Resolves once every submission in flight has settled (tests, the demo). */
  async settled(): Promise<void> {
    await Promise.allSettled([...this.#inFlight]);
  }

  async #submit(witness: WitnessConfig, head: { size: number; note: string; body: string }, attempts: Attempts): Promise<void> {
    const { centre } = this.#options;
    let oldSize = attempts.sizeHint ?? centre.cosignatures.latest(witness.vkey)?.size ?? 0;
    for (let retry = 0; ; retry++) {
      if (oldSize > head.size) {
        // Not kept: the next attempt asks the witness again rather than giving up on it until the log outgrows a size it named.
        attempts.sizeHint = undefined;
        throw new SubmissionError('WITNESS_AHEAD', `the witness holds size ${oldSize}, beyond the log's ${head.size}: it has cosigned another history`);
      }
      const proof = oldSize === 0 || oldSize === head.size ? [] : centre.log.consistencyProof(oldSize, head.size);
      const answer = await this.#post(witness, formatAddCheckpoint({ oldSize, proof, checkpoint: head.note }));
      if (answer.status === 200) {
        this.#record(witness, head, answer.text);
        return;
      }
      const size = answer.status === 409 && answer.contentType === TLOG_SIZE_MEDIA_TYPE ? SIZE_ANSWER.exec(answer.text) : null;
      if (size === null || retry >= MAX_CONFLICT_RETRIES) {
        throw new SubmissionError('WITNESS_REFUSED', `the witness answered ${answer.status}${codeOf(answer.text)}`);
      }
      oldSize = Number(size[1]);
      attempts.sizeHint = oldSize;
    }
  }

  async #post(witness: WitnessConfig, body: string): Promise<{ status: number; contentType: string; text: string }> {
    const fetcher = this.#options.fetch ?? fetch;
    const signal = AbortSignal.any([this.#abort.signal, AbortSignal.timeout(clampTimerMs(this.#options.timeoutMs ?? 10_000))]);
    try {
      const response = await fetcher(`${witness.url}/add-checkpoint`, { method: 'POST', body, signal, headers: { 'content-type': 'text/plain; charset=utf-8' } });
      const bytes = await readCapped(response, MAX_ANSWER_BYTES);
      return { status: response.status, contentType: (response.headers.get('content-type') ?? '').split(';')[0]?.trim() ?? '', text: new TextDecoder().decode(bytes) };
    } catch (cause) {
      if (cause instanceof SubmissionError) throw cause;
      throw new SubmissionError('WITNESS_UNREACHABLE', 'the witness did not answer in time', { cause });
    }
  }

  /** Keeps the witness's line only once it verifies over the checkpoint body under the configured key. */
  #record(witness: WitnessConfig, head: { size: number; body: string }, answer: string): void {
    const { centre, clock } = this.#options;
    const key = parseVerifierKey(witness.vkey, { signatureTypes: [SIGNATURE_TYPE_COSIGNATURE_V1] });
    let line: string;
    let timestamp: number;
    try {
      const note = parseNote(`${head.body}\n${answer}`);
      // An answer with a blank line would move the text split: its line would verify over another text than the body.
      if (note.text !== head.body) throw new Error('the answer is not signature lines alone');
      const verified = verifyNote(note, [key]).verified[0];
      const signature = note.signatures.find((s) => s.name === key.name && bytesEqual(s.keyId, key.keyId));
      if (verified?.timestamp === undefined || signature === undefined) throw new Error('no cosignature by the configured key');
      if (verified.timestamp > MAX_COSIGNATURE_SECONDS) throw new Error('the cosignature is dated beyond any date');
      line = formatSignatureLine(signature);
      timestamp = verified.timestamp;
    } catch (cause) {
      throw new SubmissionError('WITNESS_BAD_ANSWER', 'the witness answered 200 without a valid cosignature by its configured key', { cause });
    }
    const now = clock();
    centre.write(() => centre.cosignatures.record(witness.vkey, head.size, head.body, line, timestamp * 1000, now));
    this.#options.logger.info({ witness: witness.url, size: head.size }, 'checkpoint cosigned');
  }
}

function codeOf(text: string): string {
  const code = /"code":"([A-Z_]{1,64})"/.exec(text);
  return code === null ? '' : ` ${code[1]}`;
}

async function readCapped(response: Response, maxBytes: number): Promise<Uint8Array> {
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  const chunks: Uint8Array[] = [];
  let total = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    total += value.byteLength;
    if (total > maxBytes) {
      await reader.cancel();
      throw new SubmissionError('WITNESS_BAD_ANSWER', `the witness's answer exceeds ${maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks);
}
