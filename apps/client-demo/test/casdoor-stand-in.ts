import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, request, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { createRemoteJWKSet, type JWTPayload, jwtVerify } from 'jose';

/**
 * A stand-in for Casdoor's hosted MCP server (`POST /api/mcp`), faithful to how Casdoor's code
 * behaves (see shared/casdoor/FACTS.md): plain JSON-RPC over POST, no SSE, no sessions, no GET,
 * no batches; `initialize` always answers 2024-11-05; notifications get 202; `tools/list`
 * filters by the token's scopes and answers `{"tools": null}` when none match (all tools
 * without a token); a call without the scope is HTTP 200 with `-32001 insufficient_scope`; a
 * call without a valid token is HTTP 401 with Casdoor's challenge. Every Bearer request gets a
 * session cookie, and a request that sends it back is treated as a logged-in session that
 * skips scope checks — the trap a client must not fall into. Token requests go to a real
 * authorization server in Casdoor's profile, behind the same origin.
 */
export interface CasdoorStandIn {
  origin: string;
  authorizationServer: AuthorizationServer;
  /** Every request that came with a Cookie header (should stay empty). */
  cookiesReceived: string[];
  /** How many session cookies were handed out. */
  cookiesSet: number;
  close(): Promise<void>;
}

const TOOLS: Record<string, string> = {
  get_applications: 'application:read',
  get_application: 'application:read',
  add_application: 'application:write',
  update_application: 'application:write',
  delete_application: 'application:write',
  get_users: 'user:read',
  get_user: 'user:read',
  add_user: 'user:write',
  update_user: 'user:write',
  delete_user: 'user:write',
};

function allows(granted: string[], required: string): boolean {
  if (granted.includes(required) || granted.includes('admin')) return true;
  return (
    (required.endsWith(':read') && granted.includes('read')) ||
    (required.endsWith(':write') && granted.includes('write'))
  );
}

export async function startCasdoorStandIn(
  options: { accessTokenTtlSeconds?: number } = {},
): Promise<CasdoorStandIn> {
  const as = await startAuthorizationServer({
    profile: 'casdoor',
    scopes: [
      'application:read',
      'application:write',
      'user:read',
      'user:write',
      'read',
      'write',
      'admin',
    ],
    accessTokenTtlSeconds: options.accessTokenTtlSeconds,
  });
  const keys = createRemoteJWKSet(new URL(as.jwksUri));
  const sessions = new Set<string>();
  const state = { cookiesReceived: [] as string[], cookiesSet: 0 };
  let origin = '';

  const send = (
    res: ServerResponse,
    status: number,
    body: unknown,
    headers: Record<string, string> = {},
  ) => {
    const payload = body === undefined ? '' : JSON.stringify(body);
    res.writeHead(status, { ...(payload && { 'content-type': 'application/json' }), ...headers });
    res.end(payload);
  };

  const proxy = (req: IncomingMessage, res: ServerResponse) => {
    const target = new URL(as.issuer);
    const upstream = request(
      {
        host: target.hostname,
        port: target.port,
        path: req.url,
        method: req.method,
        headers: { ...req.headers, host: target.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode!, answer.headers);
        answer.pipe(res);
      },
    );
    req.pipe(upstream);
  };

  async function mcp(req: IncomingMessage, res: ServerResponse) {
    if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' });
    if (req.headers.cookie) state.cookiesReceived.push(req.headers.cookie);
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    let message: {
      jsonrpc?: string;
      id?: number | string;
      method?: string;
      params?: { name?: string };
    };
    try {
      message = JSON.parse(Buffer.concat(chunks).toString());
    } catch {
      return send(res, 200, {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32700, message: 'Parse error' },
      });
    }
    if (Array.isArray(message))
      return send(res, 200, {
        jsonrpc: '2.0',
        id: null,
        error: { code: -32600, message: 'batches are not supported' },
      });

    const session = /casdoor_session_id=([\w-]+)/.exec(req.headers.cookie ?? '')?.[1];
    const loggedIn = session !== undefined && sessions.has(session);
    const bearer = /^Bearer (.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    let claims: JWTPayload | undefined;
    let reason = 'no token';
    if (bearer) {
      try {
        ({ payload: claims } = await jwtVerify(bearer, keys, { issuer: as.issuer }));
      } catch (error) {
        reason = (error as Error).message;
      }
      const id = randomUUID();
      sessions.add(id);
      state.cookiesSet += 1;
      res.setHeader('set-cookie', `casdoor_session_id=${id}; Path=/; HttpOnly`);
    }
    const granted = typeof claims?.scope === 'string' ? claims.scope.split(' ') : [];
    const reply = (result: unknown) => send(res, 200, { jsonrpc: '2.0', id: message.id, result });

    if (message.id === undefined) return send(res, 202, undefined);
    switch (message.method) {
      case 'initialize':
        return reply({
          protocolVersion: '2024-11-05',
          capabilities: { tools: {} },
          serverInfo: { name: 'Casdoor', version: '3.158.0' },
        });
      case 'ping':
        return reply({});
      case 'tools/list': {
        const names = Object.keys(TOOLS).filter(
          (name) => !claims || loggedIn || allows(granted, TOOLS[name]!),
        );
        const tools = names.map((name) => ({
          name,
          description: `Casdoor ${name.replace('_', ' ')}`,
          inputSchema: { type: 'object' },
        }));
        return reply({ tools: tools.length > 0 ? tools : null });
      }
      case 'tools/call': {
        const name = message.params?.name ?? '';
        if (!claims && !loggedIn) {
          return send(
            res,
            401,
            {
              jsonrpc: '2.0',
              id: message.id,
              error: { code: -32001, message: 'Unauthorized', data: reason },
            },
            {
              'www-authenticate': `Bearer realm="casdoor", resource_metadata="${origin}/.well-known/oauth-protected-resource"`,
            },
          );
        }
        const required = TOOLS[name];
        if (!required)
          return reply({
            content: [{ type: 'text', text: `unknown tool ${name}` }],
            isError: true,
          });
        if (!loggedIn && !allows(granted, required)) {
          return send(res, 200, {
            jsonrpc: '2.0',
            id: message.id,
            error: {
              code: -32001,
              message: 'insufficient_scope',
              data: { tool: name, required_scope: required, granted_scopes: granted },
            },
          });
        }
        return reply({
          content: [{ type: 'text', text: JSON.stringify({ status: 'ok', tool: name }) }],
        });
      }
      default:
        return send(res, 200, {
          jsonrpc: '2.0',
          id: message.id,
          error: { code: -32601, message: 'Method not found' },
        });
    }
  }

  const server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (path === '/api/mcp') {
      mcp(req, res).catch(() => send(res, 500, { error: 'internal' }));
      return;
    }
    if (path === '/.well-known/oauth-protected-resource') {
      return send(res, 200, {
        resource: origin,
        authorization_servers: [as.issuer],
        bearer_methods_supported: ['header'],
        scopes_supported: ['openid', 'read', 'write'],
      });
    }
    proxy(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    origin,
    authorizationServer: as,
    get cookiesReceived() {
      return state.cookiesReceived;
    },
    get cookiesSet() {
      return state.cookiesSet;
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await as.close();
    },
  };
}
