import type { MiddlewareHandler } from 'hono';
import { clampTimerMs } from '../../shared/timer.ts';
import { ApiError } from './api-error.ts';

/**
 * Answers 503 REQUEST_TIMEOUT when a request's handlers have not answered
 * within `timeoutMs` (a body that trickles in, a slow dependency), so no
 * request holds a client and a connection open without bound. The handler
 * is not cancelled (JavaScript cannot), but its late answer is dropped;
 * synchronous work (SQLite) cannot be interrupted and is bounded by its own
 * limits. Unlike hono/timeout, the error is the API's own coded error.
 */
export function requestTimeout(timeoutMs: number): MiddlewareHandler {
  return async (_c, next) => {
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new ApiError(503, 'REQUEST_TIMEOUT', `the request was not answered within ${Math.round(timeoutMs / 1000)} s`)),
        clampTimerMs(timeoutMs),
      );
    });
    try {
      await Promise.race([next(), expired]);
    } finally {
      clearTimeout(timer);
    }
  };
}
