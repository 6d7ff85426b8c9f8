/** Cache hints of 2026-07-28 results (`ttlMs`, `cacheScope`). */
export interface CacheHintOptions {
  /** How long clients may reuse `tools/list`, `prompts/list`, `resources/list` and templates. Default 5 minutes. */
  listTtlMs?: number;
  /** How long clients may reuse `resources/read` results. Default 0: read again. */
  readTtlMs?: number;
}

/**
 * The cache hints (`ttlMs`, `cacheScope`) of each cacheable 2026-07-28 result. A list filtered
 * by the caller's scopes (`requireAuth`) must never be served from a shared cache, so it is
 * `private` then.
 */
export function cacheHintsOf(options: CacheHintOptions | undefined, requireAuth: boolean) {
  const listScope = requireAuth ? ('private' as const) : ('public' as const);
  const listHint = { ttlMs: options?.listTtlMs ?? 300_000, cacheScope: listScope };
  return {
    'tools/list': listHint,
    'prompts/list': listHint,
    'resources/list': listHint,
    'resources/templates/list': listHint,
    'resources/read': { ttlMs: options?.readTtlMs ?? 0, cacheScope: listScope },
    'server/discover': { ttlMs: listHint.ttlMs, cacheScope: 'public' as const },
  };
}
