/**
 * Which granted scopes stand in for which others. Keys are granted scopes; values are the
 * scopes (or `*` patterns, where `*` matches any run of characters) they imply.
 *
 * @example { read: ['*:read'], admin: ['*'] }
 */
export type ScopeImplications = Readonly<Record<string, readonly string[]>>;

/** Options for {@link createScopePolicy}. */
export interface ScopePolicyOptions {
  /** One level of implications; they are not applied transitively. */
  implications?: ScopeImplications;
}

/** Decides whether granted scopes satisfy a requirement. A requirement is all-of a set. */
export interface ScopePolicy {
  /** The scopes in `required` that `granted` does not satisfy, in their order; empty when allowed. */
  missing(required: readonly string[], granted: readonly string[]): string[];
  /** Whether `granted` satisfies every scope in `required`. */
  allows(required: readonly string[], granted: readonly string[]): boolean;
}

function compilePattern(pattern: string): (scope: string) => boolean {
  if (!pattern.includes('*')) return (scope) => scope === pattern;
  const source = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  const regex = new RegExp(`^${source}$`);
  return (scope) => regex.test(scope);
}

/** Creates a {@link ScopePolicy}, compiling the implication patterns once. */
export function createScopePolicy(options: ScopePolicyOptions = {}): ScopePolicy {
  const implied = new Map<string, Array<(scope: string) => boolean>>();
  for (const [granted, patterns] of Object.entries(options.implications ?? {})) {
    implied.set(granted, patterns.map(compilePattern));
  }

  const satisfies = (scope: string, granted: readonly string[]): boolean => {
    for (const held of granted) {
      if (held === scope) return true;
      const matchers = implied.get(held);
      if (matchers?.some((matches) => matches(scope))) return true;
    }
    return false;
  };

  const missing = (required: readonly string[], granted: readonly string[]): string[] =>
    required.filter((scope) => !satisfies(scope, granted));

  return {
    missing,
    allows: (required, granted) => required.every((scope) => satisfies(scope, granted)),
  };
}

/** Splits a space-separated `scope` string (RFC 6749 §3.3) or passes an array through. */
export function parseScopeValue(value: unknown): string[] {
  if (typeof value === 'string') return value.split(' ').filter((scope) => scope.length > 0);
  if (Array.isArray(value))
    return value.filter((scope): scope is string => typeof scope === 'string');
  return [];
}
