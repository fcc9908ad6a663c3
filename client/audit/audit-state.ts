import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AuditFailure } from './errors.ts';
import type { SavedHead } from './log-audit.ts';

/** What --state keeps between audits: the pin, and the tree head and root version the last clean audit ended with. */
export interface AuditState {
  readonly pin: { readonly keys: readonly string[]; readonly threshold: number };
  readonly head: SavedHead | undefined;
  readonly rootVersion: number | undefined;
  readonly auditedAt: number | undefined;
}

const FILE = 'audit-state.json';
const MAX_STATE_BYTES = 1024 * 1024;
const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const bad = (message: string, cause?: unknown): AuditFailure => new AuditFailure('AUDIT_BAD_STATE', message, { cause });

export function loadAuditState(dir: string): AuditState | undefined {
  const path = join(dir, FILE);
  if (!existsSync(path)) return undefined;
  let value: unknown;
  try {
    const bytes = readFileSync(path);
    if (bytes.byteLength > MAX_STATE_BYTES) throw bad(`${FILE} is larger than ${MAX_STATE_BYTES} bytes`);
    value = JSON.parse(bytes.toString('utf8'));
  } catch (cause) {
    if (cause instanceof AuditFailure) throw cause;
    throw bad(`${FILE} is not JSON`, cause);
  }
  if (!isRecord(value) || !isRecord(value.pin) || !Array.isArray(value.pin.keys) || typeof value.pin.threshold !== 'number') throw bad(`${FILE} has no pin`);
  const keys = value.pin.keys.filter((k): k is string => typeof k === 'string');
  let head: SavedHead | undefined;
  if (isRecord(value.head)) {
    const { size, rootHash } = value.head;
    if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0 || typeof rootHash !== 'string') throw bad(`${FILE} has a malformed tree head`);
    head = { size, rootHash: new Uint8Array(Buffer.from(rootHash, 'base64')) };
  }
  const { rootVersion } = value;
  if (rootVersion !== undefined && rootVersion !== null && (typeof rootVersion !== 'number' || !Number.isSafeInteger(rootVersion) || rootVersion < 1)) throw bad(`${FILE} has a malformed root version`);
  return {
    pin: { keys, threshold: value.pin.threshold },
    head,
    rootVersion: typeof rootVersion === 'number' ? rootVersion : undefined,
    auditedAt: typeof value.auditedAt === 'number' ? value.auditedAt : undefined,
  };
}

/** Written whole to a temporary file and renamed: an interrupted audit leaves the previous state as it was. */
export function saveAuditState(dir: string, state: AuditState): void {
  mkdirSync(dir, { recursive: true });
  const body = JSON.stringify(
    {
      pin: state.pin,
      head: state.head === undefined ? null : { size: state.head.size, rootHash: Buffer.from(state.head.rootHash).toString('base64') },
      rootVersion: state.rootVersion ?? null,
      auditedAt: state.auditedAt ?? null,
    },
    null,
    2,
  );
  const temporary = join(dir, `${FILE}.${process.pid}.tmp`);
  writeFileSync(temporary, `${body}\n`, { mode: 0o600 });
  renameSync(temporary, join(dir, FILE));
}
