/**
 * A C2SP tlog-witness (c2sp.org/tlog-witness): cosigns a log's checkpoints
 * that extend what it cosigned before. A component of its own: it imports
 * shared/ only (shared/architecture.test.ts), so it can run apart from the Centre.
 */
export { WitnessError } from './errors.ts';
export type { WitnessCode } from './errors.ts';
export { Witness } from './witness.ts';
export type { WitnessOptions } from './witness.ts';
export { WitnessState } from './state.ts';
export { createWitnessApp, TLOG_SIZE_MEDIA_TYPE } from './app.ts';
export { parseAddCheckpoint, formatAddCheckpoint, MAX_PROOF_LINES, MAX_REQUEST_BYTES } from './request.ts';
export type { AddCheckpointRequest } from './request.ts';
export { initWitness, loadWitnessKey, parseLogs, witnessDatabasePath, witnessKeyPath } from './data-folder.ts';
export { serveWitness } from './main.ts';
export type { RunningWitness, ServeWitnessOptions } from './main.ts';
