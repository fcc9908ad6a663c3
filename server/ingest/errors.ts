import { CodedError } from '../../shared/errors.ts';

export type IngestCode =
  | 'INGEST_UNSUPPORTED_TYPE'
  | 'INGEST_MALFORMED'
  | 'INGEST_TOO_MANY_ROWS'
  | 'INGEST_EMPTY'
  | 'INGEST_INVALID_ROWS';

/** Per-row codes, reported with the row's line number. */
export type RowCode =
  | 'ROW_MALFORMED'
  | 'ROW_UNKNOWN_FIELD'
  | 'ROW_MISSING_FIELD'
  | 'ROW_UNKNOWN_ALGORITHM'
  | 'ROW_BAD_HASH'
  | 'ROW_UNKNOWN_CATEGORY'
  | 'ROW_BAD_REFERENCE'
  | 'ROW_BAD_PREVIEW'
  | 'ROW_DUPLICATE'
  /** A row's crop variants are malformed or too many (docs/API.md). */
  | 'ROW_BAD_VARIANTS'
  /** A video indicator's frame list is malformed (docs/API.md, "Video indicators"). */
  | 'ROW_BAD_FRAMES'
  /** More unique frames of quality >= 50 than one video indicator holds (4096). */
  | 'ROW_TOO_MANY_FRAMES'
  /** No frame of the list reaches quality 50. */
  | 'ROW_NO_USABLE_FRAMES';

export interface RowProblem {
  /** 1-based line (CSV, NDJSON) or element number (JSON array). */
  readonly line: number;
  readonly code: RowCode;
  readonly message: string;
}

/** A submission refused as a whole; `rows` lists the first problems found, with line numbers. */
export class IngestError extends CodedError<IngestCode> {
  readonly rows: readonly RowProblem[];

  constructor(code: IngestCode, message: string, rows: readonly RowProblem[] = [], options?: { cause?: unknown }) {
    super(code, message, options);
    this.rows = rows;
  }
}
