/**
 * The scopes the conformance fixtures need, one per kind of entry. With authorization on, the
 * token the proxy adds carries all of them; with it off, scopes are not checked.
 */
export const CONFORMANCE_SCOPES = {
  tools: 'conformance:tools',
  resources: 'conformance:resources',
  prompts: 'conformance:prompts',
} as const;
