import { z } from '@hono/zod-openapi';
import {
  LEGAL_TEXT_PATTERN,
  MAX_ORDER_SURFACES,
  MAX_ORDER_TARGETS,
  ORDER_ID_PATTERN,
  PROVIDER_NAME_PATTERN,
  SURFACE_ID_PATTERN,
} from '../../shared/wire/order.ts';
import { SUBJECT_ID_PATTERN } from '../../shared/wire/subject.ts';
import { epochMs } from '../http/schemas.ts';
import { isMemberState } from '../store/member-states.ts';

export const MEMBER_STATE_MESSAGE = 'memberState must be an assigned ISO 3166-1 alpha-2 code in capitals (DE, FR, ...)';

// The pattern restated: the generator would print a flagged regex (/.../u) with its flags inside the pattern.
const text = (max: number, pattern: RegExp) => z.string().min(1).max(max).regex(pattern).openapi({ pattern: pattern.source });
const subjects = z.array(text(128, SUBJECT_ID_PATTERN)).max(MAX_ORDER_TARGETS);

/** An order id as a path segment (`/v1/orders/{orderId}/end`, the console's end form). */
export const OrderIdSchema = text(128, ORDER_ID_PATTERN);

/** The fields of a detection order (shared/wire/order.ts), as the signed list carries them. */
export const DetectionOrderSchema = z.object({
  orderId: OrderIdSchema,
  issuingAuthority: text(256, LEGAL_TEXT_PATTERN),
  legalReference: text(256, LEGAL_TEXT_PATTERN),
  provider: text(64, PROVIDER_NAME_PATTERN),
  surfaces: z.array(text(64, SURFACE_ID_PATTERN)).min(1).max(MAX_ORDER_SURFACES).openapi({ description: 'Distinct surface ids' }),
  targets: z
    .strictObject({ users: subjects, groups: subjects, channels: subjects })
    .openapi({ description: `Distinct subject ids; at least one and at most ${MAX_ORDER_TARGETS} in all` }),
  notBefore: epochMs.min(0),
  notAfter: epochMs.min(0).openapi({ description: 'After notBefore, at most 731 days later, and in the future' }),
});

/**
 * An order to register (POST /v1/orders and the console's register form):
 * the order's own fields, strictly, plus its issuing Member State beside
 * them. The one schema of the request; what it cannot say (distinct
 * entries, the window's length) the wire guard checks in OrderRegistry.
 */
export const OrderBody = DetectionOrderSchema.extend({
  memberState: z
    .string()
    .refine(isMemberState, { error: MEMBER_STATE_MESSAGE })
    .openapi({ description: 'The issuing Member State (ISO 3166-1 alpha-2): routes forwarded reports; without it they go to Europol alone', example: 'DE' })
    .optional(),
}).strict();

export type OrderRegistration = z.infer<typeof OrderBody>;

export const END_REASON_MESSAGE = 'reason must be a string of 1 to 256 characters';
/** Why an order is ended early: optional for the API, required by the console's form. */
export const EndReasonSchema = z.string().min(1, { error: END_REASON_MESSAGE }).max(256, { error: END_REASON_MESSAGE });
