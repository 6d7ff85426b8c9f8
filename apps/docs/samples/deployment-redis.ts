import {
  createIntrospectionVerifier,
  createPortcullis,
  createRegistry,
  type PortcullisOptions,
} from '@portcullis/core';
import {
  connectRedis,
  createRedisEventStore,
  createRedisIntrospectionCache,
  createRedisRateLimiter,
  createRedisResourceUpdates,
  createRedisSessionRecords,
} from '@portcullis/redis';
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
  const redis = await connectRedis(process.env.REDIS_URL!); // fail-fast client options
  const portcullis = createPortcullis({
    ...options, // resource, server, registry, authorizationServers
    verifier: createIntrospectionVerifier({
      ...introspection, // issuer, clientId, clientSecret, audience
      cacheSeconds: 30,
      cacheStore: createRedisIntrospectionCache({ redis }),
    }),
    cache: false,
    rateLimiter: createRedisRateLimiter({ redis, limit: 600, windowMs: 60_000 }),
    resourceUpdates: createRedisResourceUpdates({ redis }),
    requestStateKey: process.env.MCP_STATE_KEY,
  });
  const handler = createStreamableHttpHandler(portcullis, {
    sessions: { records: createRedisSessionRecords({ redis }) }, // only for 2025 clients that need sessions
    eventStore: createRedisEventStore({ redis }),
  });
  // #endregion shared
  return handler;
}
