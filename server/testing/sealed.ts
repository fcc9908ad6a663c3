import { decodeEnvelope } from '../../shared/crypto/index.ts';
import { decodeSealedObject, openSealedObject, SEALED_DELTA_PAYLOAD_TYPE, SEALED_SNAPSHOT_PAYLOAD_TYPE, type SealedObject } from '../../shared/seal/index.ts';
import type { Centre } from '../centre.ts';

/**
 * Tests only: the inner payload of a sealed delta or snapshot envelope,
 * opened with the Centre's own epoch key (a provider would unwrap it from its
 * access list). The envelope's signature is the caller's to check.
 */
export async function openWithCentreKey(centre: Centre, envelopeBytes: Uint8Array): Promise<{ sealed: SealedObject; payload: Uint8Array }> {
  const envelope = decodeEnvelope(envelopeBytes, 1 << 30);
  const kind = envelope.payloadType === SEALED_DELTA_PAYLOAD_TYPE ? 'delta' : envelope.payloadType === SEALED_SNAPSHOT_PAYLOAD_TYPE ? 'snapshot' : undefined;
  if (kind === undefined) throw new Error(`not a sealed object: ${envelope.payloadType}`);
  const sealed = decodeSealedObject(kind, envelope.payload, 1 << 30);
  const key = centre.epochs.keyOf(sealed.epoch);
  if (key === undefined) throw new Error(`the Centre holds no key of epoch ${sealed.epoch}`);
  return { sealed, payload: await openSealedObject(sealed, key) };
}
