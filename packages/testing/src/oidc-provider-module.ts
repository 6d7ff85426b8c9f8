type OidcProviderModule = typeof import('oidc-provider');

let loading: Promise<OidcProviderModule> | undefined;

/**
 * What oidc-provider's "Unsupported runtime" warning means here, said once per process
 * instead of its own line. oidc-provider 9 prints that warning when it is loaded on any
 * Node.js release older than 22; it runs and passes this project's tests on Node 20.19+.
 */
export const RUNTIME_NOTE =
  '[@portcullis/testing] note: oidc-provider, the development authorization server, prefers Node.js 22 and says so on older releases ("Unsupported runtime"). On Node.js 20 it works for development and tests; run a real authorization server in production.';

/**
 * Loads oidc-provider on first use, not when `@portcullis/testing` is imported: a program that
 * only parses its flags (`--help`, a bad flag) never loads it, so never prints its warning.
 * Its own runtime warning is replaced by {@link RUNTIME_NOTE}, printed once on stderr.
 */
export function loadOidcProvider(): Promise<OidcProviderModule> {
  loading ??= (async () => {
    const warn = console.warn;
    let unsupported = false;
    console.warn = (...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('Unsupported runtime')) {
        unsupported = true;
        return;
      }
      warn.apply(console, args);
    };
    try {
      const module = await import('oidc-provider');
      if (unsupported) process.stderr.write(`${RUNTIME_NOTE}\n`);
      return module;
    } finally {
      console.warn = warn;
    }
  })();
  return loading;
}
