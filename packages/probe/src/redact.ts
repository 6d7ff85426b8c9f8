/** What replaces a secret in evidence. */
export const REDACTED = '[redacted]';

/**
 * A redactor for the secrets of one run (tokens, client secret, DPoP proofs): every
 * occurrence in a string becomes `[redacted]`, and so does anything after `Bearer ` or
 * `DPoP ` in an `Authorization` header, so evidence never shows a credential.
 */
export interface Redactor {
  /** Adds a secret to hide from now on (shorter than 8 characters: ignored, too common). */
  add(secret: string | undefined): void;
  /** `text` with every known secret replaced. */
  text(text: string): string;
  /** Headers with credentials and known secrets replaced. */
  headers(headers: Record<string, string>): Record<string, string>;
  /** Whether `text` contains a known secret. */
  leaks(text: string): boolean;
}

const CREDENTIAL_HEADERS = new Set(['authorization', 'dpop', 'cookie', 'set-cookie']);

/** Creates the redactor of one probe run. */
export function createRedactor(): Redactor {
  const secrets = new Set<string>();
  const text = (value: string) => {
    let out = value;
    for (const secret of secrets) out = out.split(secret).join(REDACTED);
    return out;
  };
  return {
    add(secret) {
      if (secret && secret.length >= 8) secrets.add(secret);
    },
    text,
    headers(headers) {
      const out: Record<string, string> = {};
      for (const [name, value] of Object.entries(headers)) {
        const lower = name.toLowerCase();
        out[lower] =
          lower === 'authorization'
            ? value.replace(/^(\S+\s+).+$/, `$1${REDACTED}`)
            : CREDENTIAL_HEADERS.has(lower)
              ? REDACTED
              : text(value);
      }
      return out;
    },
    leaks(value) {
      for (const secret of secrets) if (value.includes(secret)) return true;
      return false;
    },
  };
}
