import type { Db } from '../store/database.ts';
import type { WitnessConfig } from '../config.ts';

/** What /v1/transparency says of one witness. */
export interface WitnessStatus {
  readonly url: string;
  readonly verifierKey: string;
  /** The largest checkpoint size it cosigned for this Centre, null before the first. */
  readonly cosignedSize: number | null;
  /** When it cosigned that size (the cosignature's own timestamp, ms), null before the first. */
  readonly cosignedAt: number | null;
}

/**
 * The cosignatures witnesses gave the Centre's checkpoints (docs/PROTOCOL.md
 * 7), each kept with the checkpoint body it signs. A cosignature covers
 * the body alone, so it stays valid on every note of that body, whoever's
 * checkpoint key signs it: the served checkpoint is the log's note with
 * the lines of every configured witness that cosigned that exact body
 * appended (`withCosignatures`).
 */
export class WitnessCosignatures {
  readonly #witnesses: readonly WitnessConfig[];
  readonly #statements;

  constructor(db: Db, witnesses: readonly WitnessConfig[]) {
    this.#witnesses = witnesses;
    this.#statements = {
      put: db.prepare<[string, number, string, string, number, number]>(
        `INSERT INTO witness_cosignatures (witness, size, body, line, cosigned_at, received_at) VALUES (?, ?, ?, ?, ?, ?)
         ON CONFLICT (witness, size) DO UPDATE SET body = excluded.body, line = excluded.line, cosigned_at = excluded.cosigned_at, received_at = excluded.received_at`,
      ),
      forBody: db.prepare<[number, string], { witness: string; line: string }>('SELECT witness, line FROM witness_cosignatures WHERE size = ? AND body = ?'),
      latest: db.prepare<[string], { size: number; body: string; cosigned_at: number }>(
        'SELECT size, body, cosigned_at FROM witness_cosignatures WHERE witness = ? ORDER BY size DESC LIMIT 1',
      ),
    };
  }

  get witnesses(): readonly WitnessConfig[] {
    return this.#witnesses;
  }

  /** Records a verified cosignature `line` (with its final LF) by `witness` over checkpoint `body` of `size`. */
  record(witness: string, size: number, body: string, line: string, cosignedAtMs: number, now: number): void {
    this.#statements.put.run(witness, size, body, line, cosignedAtMs, now);
  }

  /** The latest size `witness` cosigned, with its body; undefined before the first. */
  latest(witness: string): { size: number; body: string; cosignedAt: number } | undefined {
    const row = this.#statements.latest.get(witness);
    return row === undefined ? undefined : { size: row.size, body: row.body, cosignedAt: row.cosigned_at };
  }

  /** `note` (the log's signed checkpoint of `size`, body `body`) with every configured witness's cosignature of that body appended. */
  withCosignatures(note: string, size: number, body: string): string {
    const configured = new Set(this.#witnesses.map((w) => w.vkey));
    const lines = this.#statements.forBody.all(size, body).filter((row) => configured.has(row.witness));
    return note + lines.map((row) => row.line).join('');
  }

  status(): WitnessStatus[] {
    return this.#witnesses.map((w) => {
      const latest = this.latest(w.vkey);
      return { url: w.url, verifierKey: w.vkey, cosignedSize: latest?.size ?? null, cosignedAt: latest?.cosignedAt ?? null };
    });
  }
}
