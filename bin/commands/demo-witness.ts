import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type pino from 'pino';
import { openCentre, readCentreConfig, writeCentreConfig } from '../../server/centre.ts';
import type { RunningCentre } from '../../server/main.ts';
import { initWitness, loadWitnessKey, serveWitness, witnessKeyPath, type RunningWitness } from '../../server/witness/index.ts';
import { KEY_PURPOSES } from '../../shared/trust/index.ts';

export interface DemoWitness {
  readonly verifierKey: string;
  readonly running: RunningWitness;
  /** True when this run created the witness's key. */
  readonly created: boolean;
}

const WITNESS_NAME = 'demo-witness.example/w1';

/**
 * The demo's witness, beside the Centre (docs/AUDIT.md, "Witnesses"): its
 * key and state under `<data>/witness` (created on the first run, reused
 * after, so it remembers every size it cosigned), following the Centre's
 * log, and listed in the Centre's centre.json at the URL it serves on this
 * run. Call before the Centre serves: the Centre reads its witnesses on start.
 */
export async function startDemoWitness(dataDir: string, centreDir: string, logger: pino.Logger): Promise<DemoWitness> {
  const witnessDir = join(dataDir, 'witness');
  const created = !existsSync(witnessKeyPath(witnessDir));
  const verifierKey = (created ? initWitness(witnessDir, WITNESS_NAME) : loadWitnessKey(witnessDir).verifier).text;
  const centre = openCentre(centreDir, Date.now());
  let logs;
  try {
    logs = new Map([[centre.log.origin, [centre.keyring.signerFor(KEY_PURPOSES.checkpoint, Date.now()).verifier]]]);
  } finally {
    centre.close();
  }
  const running = await serveWitness({ dataDir: witnessDir, port: 0, logs, logger });
  try {
    // Its port is new on every run: the same key at a new URL replaces the entry.
    const config = readCentreConfig(centreDir);
    writeCentreConfig(centreDir, { ...config, witnesses: [...config.witnesses.filter((w) => w.vkey !== verifierKey), { url: running.url, vkey: verifierKey }] });
  } catch (err) {
    await running.close();
    throw err;
  }
  return { verifierKey, running, created };
}

/**
 * Waits (at most `timeoutMs`) until the witness has cosigned the Centre's
 * current checkpoint; returns the size it cosigned, or null when it has not.
 */
export async function awaitCosignature(centre: RunningCentre, verifierKey: string, timeoutMs = 10_000): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    centre.witnesses.tick();
    await centre.witnesses.settled();
    const size = centre.centre.signedCheckpoint(Date.now()).size;
    const cosigned = centre.centre.cosignatures.status().find((w) => w.verifierKey === verifierKey)?.cosignedSize ?? null;
    if (cosigned === size) return size;
    if (Date.now() >= deadline) return null;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
