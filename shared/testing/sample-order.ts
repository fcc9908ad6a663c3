import type { DetectionOrder } from '../wire/order.ts';

/** A well-formed detection order for tests, valid for one day from `notBefore`; override what the test is about. */
export function sampleOrder(notBefore: number, overrides: Partial<DetectionOrder> = {}): DetectionOrder {
  return {
    orderId: 'DE-2026-0001',
    issuingAuthority: 'Amtsgericht München',
    legalReference: 'Az. 12 Gs 345/26',
    provider: 'example-host',
    surfaces: ['public-posts'],
    targets: { users: ['u-1'], groups: [], channels: [] },
    notBefore,
    notAfter: notBefore + 86_400_000,
    ...overrides,
  };
}
