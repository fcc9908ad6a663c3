/** The load runs go to loopback only: the servers are the run's own, and anything else is refused. */
export function assertLoopback(url: string): void {
  const host = new URL(url).hostname;
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(host)) throw new Error(`refusing to load ${host}: loopback only`);
}
