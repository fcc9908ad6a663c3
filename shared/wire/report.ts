import { decodeMsgpack, encodeMsgpack } from './codec.ts';
import { WireError } from './errors.ts';
import { array, exactRecord, str, timestampMs, uint } from './guards.ts';
import { ALGORITHM_PATTERN } from './indicator-group.ts';
import { ORDER_ID_PATTERN, PROVIDER_NAME_PATTERN, SURFACE_ID_PATTERN } from './order.ts';
import { formatSubjectRef, parseSubjectRef } from './subject.ts';

export const REPORT_PAYLOAD_TYPE = 'hashfeed/report/v1';

/** Lower-case RFC 9562 UUID text (the sidecar uses random v4 ids). */
export const REPORT_ID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const SIDECAR_VERSION_PATTERN = /^[0-9A-Za-z][0-9A-Za-z.+-]{0,63}$/;
export const MAX_REPORT_INDICATORS = 64;
/** Components per axis a preview may carry: more would start to show shapes (docs/SAFEGUARDS.md, "Preview"). */
export const MAX_PREVIEW_COMPONENTS = 4;
/** A blurhash of n x m components is 4 + 2nm characters; 4 x 4 is the most accepted. */
export const MAX_PREVIEW_LENGTH = 4 + 2 * MAX_PREVIEW_COMPONENTS * MAX_PREVIEW_COMPONENTS;
/** Reports are small; anything larger is refused before decoding. */
export const MAX_REPORT_BYTES = 16 * 1024;

/**
 * The furthest a report's `detectedAt` may run ahead of the Centre's receipt
 * under any Centre configuration (`reportClockSkewSeconds` is capped here):
 * a record deciding a report earlier than this before its detection is
 * backdated (docs/PROTOCOL.md 11.5).
 */
export const MAX_REPORT_CLOCK_SKEW_MS = 86_400_000;

/**
 * What a sidecar sends the Centre on a match (docs/PROTOCOL.md, "Reports").
 * It names the order that allowed the scan, the indicators that matched and
 * how closely, and where and about whom; the content itself never leaves the
 * provider, only `preview`, a blurhash of a few components (or null when the
 * content could not be decoded as an image).
 */
export interface Report {
  readonly reportId: string;
  readonly provider: string;
  readonly orderId: string;
  /** Strictly ascending indicator ids. */
  readonly indicatorIds: readonly number[];
  readonly algorithm: string;
  /** The smallest distance between the content's hash and a matched indicator. */
  readonly distance: number;
  readonly surface: string;
  /** A subject reference, `user:<id>`, `group:<id>` or `channel:<id>`. */
  readonly subject: string;
  /** Milliseconds since the Unix epoch. */
  readonly detectedAt: number;
  readonly preview: string | null;
  readonly sidecarVersion: string;
  /** The feed version the sidecar's replica held when it matched. */
  readonly replicaVersion: number;
  /** True when the replica's signed timestamp had expired (the feed looked frozen). */
  readonly stale: boolean;
}

const FIELDS = ['reportId', 'provider', 'orderId', 'indicatorIds', 'algorithm', 'distance', 'surface', 'subject', 'detectedAt', 'preview', 'sidecarVersion', 'replicaVersion', 'stale'];

export function encodeReport(report: Report): Uint8Array {
  return encodeMsgpack({
    reportId: report.reportId,
    provider: report.provider,
    orderId: report.orderId,
    indicatorIds: [...report.indicatorIds],
    algorithm: report.algorithm,
    distance: report.distance,
    surface: report.surface,
    subject: report.subject,
    detectedAt: report.detectedAt,
    preview: report.preview,
    sidecarVersion: report.sidecarVersion,
    replicaVersion: report.replicaVersion,
    stale: report.stale,
  });
}

/** Decodes a report payload whose envelope has already been verified. */
export function decodeReport(payload: Uint8Array, maxBytes = MAX_REPORT_BYTES): Report {
  return parseReport(decodeMsgpack(payload, maxBytes));
}

export function parseReport(value: unknown): Report {
  const f = exactRecord(value, 'report', FIELDS);
  const indicatorIds = array(f.indicatorIds, 'report.indicatorIds', MAX_REPORT_INDICATORS).map((id, i) => uint(id, `report.indicatorIds[${i}]`));
  if (indicatorIds.length === 0) throw new WireError('WIRE_BAD_FIELD', 'report.indicatorIds must name at least one indicator');
  indicatorIds.forEach((id, i) => {
    if (i > 0 && id <= (indicatorIds[i - 1] ?? -1)) throw new WireError('WIRE_BAD_FIELD', `report.indicatorIds must be strictly ascending (index ${i})`);
  });
  if (typeof f.stale !== 'boolean') throw new WireError('WIRE_BAD_FIELD', 'report.stale must be a boolean');
  return {
    reportId: str(f.reportId, 'report.reportId', 36, REPORT_ID_PATTERN),
    provider: str(f.provider, 'report.provider', 64, PROVIDER_NAME_PATTERN),
    orderId: str(f.orderId, 'report.orderId', 128, ORDER_ID_PATTERN),
    indicatorIds,
    algorithm: str(f.algorithm, 'report.algorithm', 32, ALGORITHM_PATTERN),
    distance: uint(f.distance, 'report.distance', 65_535),
    surface: str(f.surface, 'report.surface', 64, SURFACE_ID_PATTERN),
    subject: formatSubjectRef(parseSubjectRef(f.subject, 'report.subject')),
    detectedAt: timestampMs(f.detectedAt, 'report.detectedAt'),
    preview: f.preview === null ? null : parsePreview(f.preview, 'report.preview'),
    sidecarVersion: str(f.sidecarVersion, 'report.sidecarVersion', 64, SIDECAR_VERSION_PATTERN),
    replicaVersion: uint(f.replicaVersion, 'report.replicaVersion'),
    stale: f.stale,
  };
}

/** Blurhash's digits, in order of value. */
export const BASE83 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz#$%*+,-.:;=?@[]^_{|}~';

/**
 * A blurhash (https://github.com/woltapp/blurhash, "Algorithm") of at most
 * MAX_PREVIEW_COMPONENTS components per axis. The first character packs the
 * component counts, so the count, and with it the detail a preview can
 * carry, is checked from the string alone, before anyone decodes it.
 */
export function parsePreview(value: unknown, what: string): string {
  const text = str(value, what, MAX_PREVIEW_LENGTH);
  for (const ch of text) {
    if (!BASE83.includes(ch)) throw new WireError('WIRE_BAD_FIELD', `${what} is not a blurhash (base 83)`);
  }
  const sizeFlag = BASE83.indexOf(text[0] ?? '');
  const componentsX = (sizeFlag % 9) + 1;
  const componentsY = Math.floor(sizeFlag / 9) + 1;
  if (componentsX > MAX_PREVIEW_COMPONENTS || componentsY > MAX_PREVIEW_COMPONENTS) {
    throw new WireError('WIRE_BAD_FIELD', `${what} has ${componentsX}x${componentsY} components; at most ${MAX_PREVIEW_COMPONENTS} per axis are allowed`);
  }
  if (text.length !== 4 + 2 * componentsX * componentsY) throw new WireError('WIRE_BAD_FIELD', `${what} has the wrong length for ${componentsX}x${componentsY} components`);
  return text;
}
