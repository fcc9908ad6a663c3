/**
 * Sent by the script's background polls (the queue's live counts): the
 * Centre serves such a request without counting it as the person's
 * activity, so a page left open on an unattended desk still idles out
 * (server/console/session.ts). A client that leaves it off only keeps its
 * own session alive, as polling would anyway.
 */
export const POLL_HEADER = 'x-console-poll';
