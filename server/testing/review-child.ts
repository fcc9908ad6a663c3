/**
 * Child process for the review crash-safety test: opens a Centre and has
 * three reviewers claim and decide every queued bundle, saying "reviewing"
 * first so that the parent can SIGKILL it mid-transaction.
 */
import { openCentre } from '../centre.ts';
import { Forwarder } from '../review/forwarding.ts';
import { ReviewDesk, type DecisionInput } from '../review/review-desk.ts';

const dataDir = process.argv[2];
if (dataDir === undefined) throw new Error('usage: review-child <dataDir>');
const centre = openCentre(dataDir, Date.now(), {});
const forwarder = new Forwarder(centre);
const desk = new ReviewDesk({ centre, random: Math.random, onDecided: (view, now) => forwarder.forward(view, now) });
const FORWARD: DecisionInput = { decision: 'forwarded', reason: null, comment: null };
const UNFOUNDED: DecisionInput = { decision: 'unfounded', reason: 'duplicate', comment: 'Reported twice.' };
process.stdout.write('reviewing\n');
let decided = 0;
// A reviewer still holds the bundle a killed run left it (its lease is live): only once none of the
// three gets one is the queue done, not at the first reviewer with nothing new to claim.
for (let idle = 0; idle < 3; ) {
  const reviewer = `reviewer-${(decided + idle) % 3}`;
  const reportId = desk.next(reviewer, Date.now())?.reportIds[0];
  if (reportId === undefined) {
    idle++;
    continue;
  }
  desk.decide(reportId, reviewer, decided % 2 === 0 ? FORWARD : UNFOUNDED, Date.now());
  decided++;
  idle = 0;
}
process.stdout.write(`reviewed ${decided}\n`);
centre.close();
