/**
 * Child process for the stop-signal test: "ready" once listening for
 * signals, "stopping" when the drain starts; the drain ends when the parent
 * writes a line to stdin (or never, if it does not).
 */
import { untilStopSignal } from '../stop-signal.ts';

const drained = new Promise<void>((resolve) => process.stdin.once('data', () => resolve()));
const stopped = untilStopSignal(async () => {
  process.stdout.write('stopping\n');
  await drained;
});
// Only now: the parent signals as soon as it reads this line.
process.stdout.write('ready\n');
await stopped;
process.stdout.write('stopped\n');
process.stdin.destroy();
