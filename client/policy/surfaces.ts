import { WireError } from '../../shared/wire/errors.ts';
import { array, exactRecord, str } from '../../shared/wire/guards.ts';
import { LEGAL_TEXT_PATTERN, SURFACE_ID_PATTERN } from '../../shared/wire/order.ts';
import { PolicyError } from './errors.ts';

/**
 * A part of the provider's service that content arrives through (public
 * posts, an unencrypted group chat, ...). `e2ee: true` marks a surface whose
 * communications are end-to-end encrypted: out of scope, never scanned, no
 * matter what an order says. It must be stated for every surface; there is
 * no default.
 */
export interface Surface {
  readonly id: string;
  readonly description: string;
  readonly e2ee: boolean;
}

export const MAX_SURFACES = 256;

/** The configured surfaces, by id. */
export class Surfaces {
  readonly #byId: ReadonlyMap<string, Surface>;

  constructor(surfaces: readonly Surface[]) {
    this.#byId = new Map(surfaces.map((s) => [s.id, s]));
  }

  get(id: string): Surface | undefined {
    return this.#byId.get(id);
  }

  list(): Surface[] {
    return [...this.#byId.values()];
  }
}

/**
 * The guard for the sidecar's surface config: a list of exactly
 * `{id, description, e2ee}`, ids unique. Throws POLICY_CONFIG_INVALID
 * naming the field.
 */
export function parseSurfaces(value: unknown): Surfaces {
  try {
    const items = array(value, 'surfaces', MAX_SURFACES).map((item, i): Surface => {
      const fields = exactRecord(item, `surfaces[${i}]`, ['id', 'description', 'e2ee']);
      if (typeof fields.e2ee !== 'boolean') throw new WireError('WIRE_BAD_FIELD', `surfaces[${i}].e2ee must be true or false`);
      return {
        id: str(fields.id, `surfaces[${i}].id`, 64, SURFACE_ID_PATTERN),
        description: str(fields.description, `surfaces[${i}].description`, 256, LEGAL_TEXT_PATTERN),
        e2ee: fields.e2ee,
      };
    });
    const ids = new Set(items.map((s) => s.id));
    if (ids.size !== items.length) throw new WireError('WIRE_BAD_FIELD', 'surfaces has repeated ids');
    return new Surfaces(items);
  } catch (cause) {
    if (cause instanceof WireError) throw new PolicyError('POLICY_CONFIG_INVALID', `surface config: ${cause.message}`, { cause });
    throw cause;
  }
}
