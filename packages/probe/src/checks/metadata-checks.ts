import { canonicalResource } from '@portcullis/core/adapter';
import type { CheckDefinition } from '../check-definition.js';
import { type Evidence, fail, notApplicable, pass } from '../check-result.js';
import { CLAUSES, cite } from '../clauses.js';
import type { ProbeContext } from '../probe-context.js';

const isStringArray = (value: unknown): value is string[] =>
  Array.isArray(value) && value.every((item) => typeof item === 'string' && item !== '');

const isLoopback = (url: URL) => ['localhost', '127.0.0.1', '[::1]'].includes(url.hostname);

/** The metadata document the other checks read, or why there is none. */
async function documentOf(ctx: ProbeContext) {
  const lookup = await ctx.metadata();
  return { document: lookup.found?.document, evidence: lookup.found?.exchange.evidence, lookup };
}

/** What is wrong with the well-formedness of a metadata document (RFC 9728 §2), if anything. */
function malformedFields(document: Record<string, unknown>): string[] {
  const problems: string[] = [];
  const optionalArray = (name: string) => {
    if (document[name] !== undefined && !isStringArray(document[name]))
      problems.push(`${name} is not an array of strings`);
  };
  for (const name of [
    'scopes_supported',
    'bearer_methods_supported',
    'dpop_signing_alg_values_supported',
    'resource_signing_alg_values_supported',
  ])
    optionalArray(name);
  const methods = document.bearer_methods_supported;
  if (isStringArray(methods)) {
    const unknown = methods.filter((method) => !['header', 'body', 'query'].includes(method));
    if (unknown.length > 0)
      problems.push(`bearer_methods_supported names unknown methods: ${unknown.join(', ')}`);
    if (methods.includes('query'))
      problems.push('bearer_methods_supported offers "query": tokens must not travel in URLs');
  }
  const required = document.dpop_bound_access_tokens_required;
  if (required !== undefined && typeof required !== 'boolean')
    problems.push('dpop_bound_access_tokens_required is not a boolean');
  if (required === true && !isStringArray(document.dpop_signing_alg_values_supported))
    problems.push(
      'DPoP-bound tokens are required but no dpop_signing_alg_values_supported are named',
    );
  if (
    isStringArray(document.dpop_signing_alg_values_supported) &&
    document.dpop_signing_alg_values_supported.some((alg) => alg === 'none' || alg.startsWith('HS'))
  )
    problems.push('dpop_signing_alg_values_supported names a symmetric or "none" algorithm');
  return problems;
}

/** The Protected Resource Metadata checks (RFC 9728). */
export const metadataChecks: CheckDefinition[] = [
  {
    id: 'metadata.well-known',
    title: 'The protected resource metadata is at the path-aware well-known URL',
    sends: 'GET `/.well-known/oauth-protected-resource/<endpoint path>`',
    expects: '200 with a JSON object',
    clause: cite(CLAUSES.wellKnown, CLAUSES.mcp2025),
    async run(ctx) {
      const { pathAware } = await ctx.metadata();
      return pathAware.document
        ? pass(`${pathAware.url} answers the metadata`, pathAware.exchange.evidence)
        : fail(
            `${pathAware.url} answered ${pathAware.exchange.status ?? pathAware.exchange.evidence.error} without a JSON document`,
            pathAware.exchange.evidence,
          );
    },
  },
  {
    id: 'metadata.resource',
    title: '`resource` is the canonical URL of the endpoint',
    sends: 'reads the metadata document',
    expects: '`resource` equal to the endpoint URL (RFC 8707 canonical form)',
    clause: cite(CLAUSES.resourceValue, CLAUSES.audience, CLAUSES.mcp2025),
    async run(ctx) {
      const { document, evidence } = await documentOf(ctx);
      if (!document || !evidence) return notApplicable('no metadata document found');
      const expected = canonicalResource(ctx.endpoint);
      const resource = document.resource;
      if (typeof resource !== 'string') return fail('the document has no resource', evidence);
      const canonical = URL.canParse(resource)
        ? new URL(resource).href.replace(/\/$/, '')
        : resource;
      return canonical === expected.replace(/\/$/, '')
        ? pass(`resource is ${resource}`, evidence)
        : fail(`resource is ${resource}, not the endpoint ${expected}`, evidence);
    },
  },
  {
    id: 'metadata.authorization-servers',
    title: 'Each authorization server is named and discoverable',
    sends: "GET of each authorization server's RFC 8414 or OpenID Connect discovery document",
    expects:
      'a non-empty `authorization_servers`; each answers metadata whose `issuer` is itself, with a `token_endpoint`',
    clause: cite(CLAUSES.metadataFields, CLAUSES.authorizationServerMetadata, CLAUSES.mcp2025),
    async run(ctx) {
      const { document, evidence } = await documentOf(ctx);
      if (!document || !evidence) return notApplicable('no metadata document found');
      const servers = document.authorization_servers;
      if (!isStringArray(servers) || servers.length === 0)
        return fail('authorization_servers is missing or empty', evidence);
      const seen: Evidence[] = [evidence];
      for (const issuer of servers.slice(0, 3)) {
        if (!URL.canParse(issuer)) return fail(`${issuer} is not a URL`, ...seen);
        const url = new URL(issuer);
        if (url.protocol !== 'https:' && !isLoopback(url))
          return fail(`${issuer} is not https`, ...seen);
        const discovery = await ctx.authorizationServer(issuer);
        seen.push(...discovery.exchanges.map((exchange) => exchange.evidence));
        const metadata = discovery.found?.document;
        if (!metadata) return fail(`no metadata found for ${issuer}`, ...seen);
        if (metadata.issuer !== issuer)
          return fail(`${issuer} publishes issuer ${String(metadata.issuer)}`, ...seen);
        if (typeof metadata.token_endpoint !== 'string')
          return fail(`${issuer} publishes no token_endpoint`, ...seen);
      }
      return pass(`${servers.length} authorization server(s), each discoverable`, ...seen);
    },
  },
  {
    id: 'metadata.fields',
    title: 'Scopes, bearer methods and DPoP fields are well-formed',
    sends: 'reads the metadata document',
    expects:
      'string arrays where RFC 9728 says so, no `query` bearer method, DPoP fields consistent',
    clause: cite(CLAUSES.metadataFields, 'RFC 9449 §5.1', CLAUSES.mcp2025),
    async run(ctx) {
      const { document, evidence } = await documentOf(ctx);
      if (!document || !evidence) return notApplicable('no metadata document found');
      const problems = malformedFields(document);
      return problems.length === 0
        ? pass('the fields are well-formed', evidence)
        : fail(problems.join('; '), evidence);
    },
  },
];
