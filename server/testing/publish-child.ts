/**
 * Child process for the crash-safety test: opens a Centre and publishes,
 * saying "publishing" first so the parent can SIGKILL it mid-transaction.
 */
import { openCentre } from '../centre.ts';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: publish-child <dataDir>');
const centre = openCentre(dataDir, Date.now(), {});
process.stdout.write('publishing\n');
const result = centre.publisher.publish('crash-test', Date.now());
process.stdout.write(`published ${result.version}\n`);
centre.close();
