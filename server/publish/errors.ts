import { CodedError } from '../../shared/errors.ts';

/**
 * PUBLISH_PLAN_CHANGED (409): a publication made against a dry run
 * (`expectedPlan`) would now do something else; nothing was published.
 */
export type PublishCode = 'PUBLISH_PLAN_CHANGED';
export class PublishError extends CodedError<PublishCode> {}
