import type { Server, ServerResponse } from 'node:http';
import { clampTimerMs } from '../timer.ts';

export interface DrainOutcome {
  /** False when the deadline came first and open connections were cut. */
  readonly drained: boolean;
}

export interface Drainable {
  /**
   * Stops the server as an orchestrator expects on SIGTERM: it stops
   * listening at once (new connections are refused), idle keep-alive
   * connections close, requests in flight finish and are answered with
   * `Connection: close`, and whatever is still open at `deadlineMs` is cut.
   * Resolves when the server has closed.
   */
  close(deadlineMs: number): Promise<DrainOutcome>;
}

/**
 * Tracks the requests in flight on `server` so that it can be drained;
 * call before the server takes its first request.
 */
export function drainable(server: Server): Drainable {
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  // Prepended so that it runs before the app's listener can write the headers.
  server.prependListener('request', (_req, res: ServerResponse) => {
    inFlight.add(res);
    if (closing) res.setHeader('connection', 'close');
    res.once('close', () => {
      inFlight.delete(res);
      // A keep-alive connection whose last request just ended is idle now.
      if (closing) server.closeIdleConnections();
    });
  });
  let closed: Promise<DrainOutcome> | undefined;
  return {
    close(deadlineMs) {
      closed ??= new Promise<DrainOutcome>((resolve) => {
        closing = true;
        let drained = true;
        const deadline = setTimeout(
          () => {
            drained = false;
            server.closeAllConnections();
          },
          clampTimerMs(deadlineMs),
        );
        server.close(() => {
          clearTimeout(deadline);
          resolve({ drained });
        });
        for (const res of inFlight) if (!res.headersSent) res.setHeader('connection', 'close');
        server.closeIdleConnections();
      });
      return closed;
    },
  };
}
