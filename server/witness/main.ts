import { Server } from 'node:http';
import { serve, type ServerType } from '@hono/node-server';
import pino from 'pino';
import { drainable } from '../../shared/http/drain.ts';
import type { VerifierKey } from '../../shared/crypto/index.ts';
import { createWitnessApp } from './app.ts';
import { loadWitnessKey, requireWitnessState, witnessDatabasePath } from './data-folder.ts';
import { WitnessState } from './state.ts';
import { Witness } from './witness.ts';

export interface ServeWitnessOptions {
  readonly dataDir: string;
  readonly port: number;
  readonly host?: string;
  /** Origin to the log's verifier keys. */
  readonly logs: ReadonlyMap<string, readonly VerifierKey[]>;
  readonly clock?: () => number;
  readonly logger?: pino.Logger;
}

export interface RunningWitness {
  readonly url: string;
  readonly witness: Witness;
  close(): Promise<void>;
}

/** Headers within 10 s, the whole request within 15 s: a slow client cannot hold the witness's sockets. */
const HEADERS_TIMEOUT_MS = 10_000;
const REQUEST_TIMEOUT_MS = 15_000;
const SHUTDOWN_DEADLINE_MS = 5_000;

/** `hashfeed witness serve`: the witness's key and state from `dataDir`, POST /add-checkpoint on host:port. */
export async function serveWitness(options: ServeWitnessOptions): Promise<RunningWitness> {
  const logger = options.logger ?? pino({ name: 'hashfeed-witness' });
  const key = loadWitnessKey(options.dataDir);
  requireWitnessState(options.dataDir);
  const state = new WitnessState(witnessDatabasePath(options.dataDir));
  try {
    const witness = new Witness({ key, logs: options.logs, state, clock: options.clock ?? Date.now });
    const app = createWitnessApp({ witness, onError: (err) => logger.error({ err }, 'unexpected error') });
    const server = await new Promise<ServerType>((resolve) => {
      const server = serve({ fetch: app.fetch, port: options.port, hostname: options.host ?? '127.0.0.1' }, () => resolve(server));
    });
    if (!(server instanceof Server)) throw new Error('the witness serves HTTP/1.1 only');
    server.headersTimeout = HEADERS_TIMEOUT_MS;
    server.requestTimeout = REQUEST_TIMEOUT_MS;
    const drain = drainable(server);
    const address = server.address();
    const port = typeof address === 'object' && address !== null ? address.port : options.port;
    const url = `http://${options.host ?? '127.0.0.1'}:${port}`;
    logger.info({ url, witness: key.verifier.text, origins: [...options.logs.keys()] }, 'witness listening');
    return {
      url,
      witness,
      close: async () => {
        await drain.close(SHUTDOWN_DEADLINE_MS);
        state.close();
      },
    };
  } catch (err) {
    state.close();
    throw err;
  }
}
