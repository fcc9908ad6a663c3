/** Exit codes of a process ended by a signal, as shells report them (128 + signal number). */
const FORCED_EXIT = { SIGINT: 130, SIGTERM: 143 } as const;
const SIGNALS = ['SIGINT', 'SIGTERM'] as const;

/**
 * Runs `stop` (a drain with its own deadline) on the first SIGTERM or
 * SIGINT, and resolves when it is done. A second signal during the drain
 * means "now": the process exits at once, as an operator pressing Ctrl-C
 * twice expects.
 */
export function untilStopSignal(stop: () => Promise<void>): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    const force = (signal: NodeJS.Signals): void => {
      process.exit(signal === 'SIGINT' ? FORCED_EXIT.SIGINT : FORCED_EXIT.SIGTERM);
    };
    const first = (): void => {
      for (const signal of SIGNALS) {
        process.off(signal, first);
        process.on(signal, force);
      }
      stop()
        .finally(() => {
          for (const signal of SIGNALS) process.off(signal, force);
        })
        .then(resolve, reject);
    };
    for (const signal of SIGNALS) process.on(signal, first);
  });
}
