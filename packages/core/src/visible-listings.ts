import type { AuthInfo } from './auth-info.js';
import type { Registry } from './registry.js';

/** A registry entry as a list shows it: the scopes it needs and its listing. */
export interface ListedEntry<L> {
  definition: { scopes: readonly string[] };
  listing: L;
}

/**
 * The listings of the entries a caller may see: those whose scopes `auth` holds, or every one
 * with authorization off (`requireAuth` false, no caller).
 */
export function visibleListings<L>(
  registry: Registry,
  requireAuth: boolean,
  entries: Iterable<ListedEntry<L>>,
  auth: AuthInfo | undefined,
): L[] {
  const shown: L[] = [];
  for (const { definition, listing } of entries) {
    const visible = auth === undefined ? !requireAuth : registry.allows(definition.scopes, auth);
    if (visible) shown.push(listing);
  }
  return shown;
}
