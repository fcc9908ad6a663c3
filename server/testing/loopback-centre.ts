import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { openCentre } from '../centre.ts';
import type { CentreConfig } from '../config.ts';
import { initCentre } from '../init.ts';
import { serveCentre, type RunningCentre } from '../main.ts';

export interface ServedTestCentre {
  readonly running: RunningCentre;
  readonly port: number;
  readonly authorityToken: string;
  /** Stops the server and removes its data folder. */
  stop(): Promise<void>;
}

/** A real Centre on a loopback port, in process, over real SQLite files in a temporary folder. */
export async function serveTestCentre(overrides: Partial<CentreConfig> = {}): Promise<ServedTestCentre> {
  const dataDir = mkdtempSync(join(tmpdir(), 'hf-centre-'));
  try {
    initCentre(dataDir, Date.now(), { rateLimit: { burst: 100_000, perSecond: 100_000 }, ...overrides });
    const centre = openCentre(dataDir, Date.now(), {});
    const authorityToken = centre.write(() => centre.accounts.issueToken(centre.accounts.ensure('DE-BKA', 'authority', Date.now()).account.id, null, Date.now()).token);
    centre.close();
    const running = await serveCentre({ dataDir, port: 0, logger: pino({ level: 'silent' }) });
    return {
      running,
      port: Number(new URL(running.url).port),
      authorityToken,
      stop: async () => {
        await running.close();
        rmSync(dataDir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dataDir, { recursive: true, force: true });
    throw err;
  }
}
