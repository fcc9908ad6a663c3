/**
 * Child process for the review race test: `count` reviewers named
 * `<prefix>-<i>` each claim once, as fast as they can, through their own
 * connection to the Centre's database, all processes from the same
 * instant; prints the claimed report ids as JSON.
 */
import { openCentre } from '../centre.ts';
import { ReviewDesk } from '../review/review-desk.ts';

const [dataDir, prefix, countText, startAtText] = process.argv.slice(2);
if (dataDir === undefined || prefix === undefined || countText === undefined || startAtText === undefined) {
  throw new Error('usage: review-racer <dataDir> <prefix> <count> <startAt ms>');
}
const centre = openCentre(dataDir, Date.now(), {});
const desk = new ReviewDesk({ centre, random: Math.random });
// Every racer starts claiming at the same instant, whenever its process came up.
const wait = Math.min(10_000, Math.max(0, Number(startAtText) - Date.now()));
Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, wait);
const claimed: string[] = [];
for (let i = 0; i < Number(countText); i++) {
  const reportId = desk.next(`${prefix}-${i}`, Date.now())?.reportIds[0];
  if (reportId !== undefined) claimed.push(reportId);
}
centre.close();
process.stdout.write(`${JSON.stringify(claimed)}\n`);
