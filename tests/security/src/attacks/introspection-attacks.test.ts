import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseOptions, type RunningFileServer, startFileServer } from '@portcullis/file-server';
import { generateSigningKey } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseChallenge } from './bearer-challenge.js';
import { type CapturedLog, captureLog } from './captured-log.js';
import { mcpHeaders, post, rpcError, WRITE_PWNED } from './json-rpc-http.js';

/** The resource server's own credentials at the introspection endpoint. */
const RS = { id: 'file-server', secret: 'introspection-secret-5d1e' };

/**
 * A real authorization server's surface as far as introspection goes (discovery, a JWKS, RFC
 * 7662 introspection behind HTTP Basic), over a real socket, answering what the case under
 * test says. oidc-provider never answers `active: false` with claims, so only a server of our
 * own can make that shape.
 */
async function startIntrospectionServer(answer: (token: string) => Record<string, unknown>) {
  const key = await generateSigningKey('ES256');
  let issuer = '';
  const server: Server = createServer((req, res) => {
    const reply = (body: unknown) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.url === '/.well-known/oauth-authorization-server')
      return reply({
        issuer,
        jwks_uri: `${issuer}/jwks`,
        introspection_endpoint: `${issuer}/introspect`,
      });
    if (req.url === '/jwks') return reply({ keys: [key.publicJwk] });
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      const basic = `Basic ${Buffer.from(`${RS.id}:${RS.secret}`).toString('base64')}`;
      if (req.url !== '/introspect' || req.headers.authorization !== basic) {
        res.writeHead(401).end();
        return;
      }
      reply(answer(new URLSearchParams(body).get('token') ?? ''));
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { issuer, close: () => new Promise((resolve) => server.close(resolve)) };
}

interface IntrospectionCase {
  id: string;
  attack: string;
  /** What the authorization server says of the token, besides every claim a valid one has. */
  answer: Record<string, unknown>;
}

const CASES: IntrospectionCase[] = [
  {
    id: 'T-35',
    attack: 'introspection answers active: false, with every claim of a valid token',
    answer: { active: false },
  },
  {
    id: 'T-36',
    attack: 'introspection answers active: "true" (a string), with every claim of a valid token',
    answer: { active: 'true' },
  },
];

describe('introspection answers (T-35, T-36)', () => {
  let root: string;
  let server: RunningFileServer;
  let log: CapturedLog;
  let as: Awaited<ReturnType<typeof startIntrospectionServer>>;
  /** What the authorization server says of each token it is asked about. */
  const answers = new Map<string, Record<string, unknown>>();

  beforeAll(async () => {
    root = await mkdtemp(join(tmpdir(), 'security-introspection-'));
    as = await startIntrospectionServer((token) => answers.get(token) ?? { active: false });
    log = captureLog();
    server = await startFileServer(
      parseOptions(
        [
          '--port',
          '0',
          '--root',
          root,
          '--issuer',
          as.issuer,
          '--introspection',
          `${RS.id}:${RS.secret}`,
        ],
        {},
      ),
      log.logger,
    );
  });
  afterAll(async () => {
    await server?.close();
    await as?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  /** An opaque token the authorization server describes with valid claims and `overrides`. */
  const tokenSaying = (overrides: Record<string, unknown>) => {
    const token = randomUUID();
    const now = Math.floor(Date.now() / 1000);
    answers.set(token, {
      iss: as.issuer,
      sub: 'introspected-user',
      client_id: 'introspected-client',
      aud: server.url,
      scope: 'files:read files:write files:list',
      token_type: 'Bearer',
      iat: now,
      exp: now + 3600,
      ...overrides,
    });
    return token;
  };

  it('control: the same claims with active: true are accepted, and the write happens', async () => {
    const answer = await post(
      server.url,
      {
        ...WRITE_PWNED,
        params: { ...WRITE_PWNED.params, arguments: { path: 'control.txt', content: 'ok' } },
      },
      mcpHeaders(tokenSaying({ active: true })),
    );
    expect(answer.status).toBe(200);
    expect(existsSync(join(root, 'control.txt'))).toBe(true);
  });

  it.each(CASES)('$id $attack', async ({ answer }) => {
    const from = log.lines.length;
    const refused = await post(server.url, WRITE_PWNED, mcpHeaders(tokenSaying(answer)));
    expect(refused.status).toBe(401);
    expect(parseChallenge(refused.headers.get('www-authenticate'))?.params).toMatchObject({
      error: 'invalid_token',
      error_description: 'token is not active',
    });
    expect(rpcError(refused.body)).toMatchObject({ code: -32001, data: 'token is not active' });
    expect(existsSync(join(root, 'pwned.txt'))).toBe(false);
    const written = log.lines.slice(from);
    expect(written.filter((line) => line.msg === 'access_allowed')).toEqual([]);
    expect(written.filter((line) => line.msg === 'authentication_failed')).toHaveLength(1);
  });
});
