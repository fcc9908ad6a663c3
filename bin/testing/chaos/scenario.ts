import { rmSync } from 'node:fs';
import type { KillOutcome } from './kill.ts';

/** One kill and what the checks found after it; `failures` empty when every invariant held. */
export interface ChaosRun {
  readonly outcome: KillOutcome;
  readonly delayMs: number;
  readonly failures: readonly string[];
}

/**
 * A chaos scenario: `prepare` builds the state every run starts from and
 * measures how long the operation takes unkilled (the span the kill delays
 * are drawn from); `run` kills one child `delayMs` into the operation and
 * checks the invariants after the kill and after a restart.
 */
export interface ChaosScenario {
  prepare(): Promise<{ operationMs: number }>;
  run(index: number, delayMs: number): Promise<ChaosRun>;
  close(): Promise<void>;
}

/** Collects invariant failures instead of throwing at the first, so that a run reports all it broke. */
export class Invariants {
  readonly failures: string[] = [];

  check(holds: boolean, what: string): void {
    if (!holds) this.failures.push(what);
  }

  equal(actual: unknown, expected: unknown, what: string): void {
    if (actual !== expected) this.failures.push(`${what}: ${String(actual)}, expected ${String(expected)}`);
  }
}

/**
 * Checks one killed run: `check` records what broke (a check that throws
 * counts as broken too, so a run reports rather than stops), then the run's
 * data folder is removed whatever happened.
 */
export async function checkRun(dataDir: string, outcome: KillOutcome, delayMs: number, check: (is: Invariants) => Promise<void> | void): Promise<ChaosRun> {
  const is = new Invariants();
  try {
    await check(is);
  } catch (error) {
    is.check(false, `checking threw: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    rmSync(dataDir, { recursive: true, force: true });
  }
  return { outcome, delayMs, failures: is.failures };
}
