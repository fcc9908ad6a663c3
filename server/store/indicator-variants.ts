/**
 * Linked variant hashes (docs/HASHING.md, "Crops"; docs/API.md, `variants`):
 * a variant is an indicator of its own, published as any other, linked to
 * the indicator record it is a variant of by a row of `indicator_variants`.
 * Wherever the Centre counts records (statistics, review, the quality loop)
 * it reads an id through these two fragments, so that one record counts once.
 */

/** SQL: the record the indicator id `id` (an SQL expression) stands for: its record when it is a variant, else itself. */
export const recordOfSql = (id: string): string => `coalesce((SELECT record_id FROM indicator_variants WHERE indicator_id = ${id}), ${id})`;

/** SQL: true when the indicator id `id` (an SQL expression) is a record, not a linked variant. */
export const isRecordSql = (id: string): string => `NOT EXISTS (SELECT 1 FROM indicator_variants WHERE indicator_id = ${id})`;
