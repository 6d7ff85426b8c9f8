import {
  createIntrospectionVerifier,
  createPortcullis,
  createRegistry,
  type PortcullisOptions,
} from '@portcullis/core';
import { connectRedisSharedState } from '@portcullis/redis';
import { createStreamableHttpHandler } from '@portcullis/streamable-http';

const resource = 'https://files.example.com/mcp';
/** What any server sets; the page shows only what sharing on Redis adds. */
const options = {
  resource,
  server: { name: 'files', version: '1.0.0' },
  registry: createRegistry({ tools: [] }),
  authorizationServers: ['https://door.example.com'],
} satisfies Partial<PortcullisOptions>;
/** This resource server's own credentials at the introspection endpoint. */
const introspection = {
  issuer: 'https://door.example.com',
  clientId: process.env.RS_CLIENT_ID!,
  clientSecret: process.env.RS_CLIENT_SECRET!,
  audience: resource,
};

export async function serve() {
  // #region shared
  // Every shared piece on one fail-fast connection: none can be left per instance by mistake.
  const shared = await connectRedisSharedState(process.env.REDIS_URL!, {
    rateLimit: { limit: 600, windowMs: 60_000 },
  });
  const portcullis = createPortcullis({
    ...options, // resource, server, registry, authorizationServers
    verifier: createIntrospectionVerifier({
      ...introspection, // issuer, clientId, clientSecret, audience
      cacheSeconds: 30,
      cacheStore: shared.introspectionCache,
    }),
    cache: false,
    rateLimiter: shared.rateLimiter,
    resourceUpdates: shared.resourceUpdates,
    dpop: { mode: 'optional', replayCache: shared.replayCache }, // each proof once, fleet-wide
    requestStateKey: process.env.MCP_STATE_KEY,
  });
  const handler = createStreamableHttpHandler(portcullis, {
    sessions: { records: shared.sessionRecords }, // only for 2025 clients that need sessions
    eventStore: shared.eventStore,
  });
  // #endregion shared
  return handler;
}
