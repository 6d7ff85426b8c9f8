import { request } from 'node:http';
import { connect } from 'node:net';
import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHttpServer } from '../src/index.js';
import { initialize, post, startProtectedServer } from './fixtures.js';

/** A request with headers of our choosing: a Host, a header sent twice (fetch allows neither). */
function rawPost(url: string, headers: Record<string, string | string[]>, body: string) {
  return new Promise<{ status: number; body: string }>((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...headers,
        },
      },
      (res) => {
        let text = '';
        res.on('data', (chunk) => {
          text += chunk;
        });
        res.on('end', () => resolve({ status: res.statusCode!, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

describe('protocol hygiene of the Streamable HTTP endpoint', () => {
  let as: AuthorizationServer;
  let server: RunningHttpServer;
  let stateful: RunningHttpServer;
  let auth: Record<string, string>;

  beforeAll(async () => {
    as = await startAuthorizationServer();
    server = await startProtectedServer(as, {
      maxBodyBytes: 4096,
      cors: { origins: ['https://app.example'] },
    });
    stateful = await startProtectedServer(as, { sessions: {} });
    auth = {
      authorization: `Bearer ${await as.mintToken({ audience: server.url, scopes: ['files:read'] })}`,
    };
  });
  afterAll(async () => {
    await server.close();
    await stateful.close();
    await as.close();
  });

  it('publishes Protected Resource Metadata at its path-aware well-known URL', async () => {
    const url = new URL('/.well-known/oauth-protected-resource/mcp', server.url);
    const response = await fetch(url);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({
      resource: server.url,
      authorization_servers: [as.issuer],
      scopes_supported: ['files:read', 'files:write'],
      bearer_methods_supported: ['header'],
      resource_name: 'test-files',
    });
  });

  it('answers 401 with the challenge for a missing or bad token, on POST, GET and DELETE', async () => {
    const missing = await post(server.url, initialize());
    expect(missing.status).toBe(401);
    expect(missing.headers.get('www-authenticate')).toBe(
      `Bearer resource_metadata="${new URL('/.well-known/oauth-protected-resource/mcp', server.url).href}", scope="files:read files:write"`,
    );
    // The body of an unauthenticated request is never read, so the answer cannot name its id.
    expect(missing.json).toEqual({
      jsonrpc: '2.0',
      id: null,
      error: {
        code: -32001,
        message: 'Unauthorized',
        data: expect.stringMatching(/no access token/),
      },
    });

    const forged = await post(server.url, initialize(), { authorization: 'Bearer e30.e30.c2ln' });
    expect(forged.status).toBe(401);
    expect(forged.headers.get('www-authenticate')).toContain('error="invalid_token"');

    for (const method of ['GET', 'DELETE']) {
      const response = await fetch(stateful.url, {
        method,
        headers: { accept: 'text/event-stream', 'mcp-session-id': 'x' },
      });
      expect(response.status).toBe(401);
    }
  });

  it('refuses a wrong audience: a token for another server', async () => {
    const foreign = await as.mintToken({
      audience: 'http://127.0.0.1:1/mcp',
      scopes: ['files:read'],
    });
    const response = await post(server.url, initialize(), { authorization: `Bearer ${foreign}` });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('is not accepted here');
  });

  it('answers 401, never 500, when a token carries characters a header cannot hold', async () => {
    const part = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
    for (const [header, payload] of [
      [{ alg: 'RS256', typ: 'at+jwt', kid: 'k\u0100\u0007' }, { iss: as.issuer }],
      [{ alg: 'RS256', typ: 'x\u00e9\u2028' }, { iss: as.issuer }],
      [{ alg: 'RS256', typ: 'at+jwt' }, { iss: 'https://\u0100.example\r\n' }],
    ]) {
      const token = `${part(header!)}.${part(payload!)}.c2ln`;
      const response = await post(server.url, initialize(), { authorization: `Bearer ${token}` });
      expect(response.status).toBe(401);
      expect(response.headers.get('www-authenticate')).toMatch(/^Bearer [\x20-\x7e]+$/);
    }
  });

  it('answers a request line in absolute form, and never routes one whose authority is not its Host', async () => {
    const { host, port } = new URL(server.url);
    const raw = (target: string) =>
      new Promise<string>((resolve, reject) => {
        const socket = connect(Number(port), '127.0.0.1');
        let answer = '';
        socket.setTimeout(5000, () => reject(new Error(`no answer to ${target}`)));
        socket.on('data', (chunk) => {
          answer += chunk;
          if (answer.includes('\r\n\r\n')) {
            socket.destroy();
            resolve(answer.split('\r\n')[0]!);
          }
        });
        socket.on('error', reject);
        socket.end(
          `POST ${target} HTTP/1.1\r\nHost: ${host}\r\nContent-Type: application/json\r\n` +
            'Accept: application/json, text/event-stream\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}',
        );
      });
    expect(await raw(`http://${host}/mcp`)).toBe('HTTP/1.1 401 Unauthorized');
    expect(await raw(`http://evil.example/mcp`)).toBe('HTTP/1.1 404 Not Found');
  });

  it('refuses two Authorization headers with 400, whichever comes first', async () => {
    const token = auth.authorization!;
    for (const pair of [
      [token, 'Bearer other'],
      ['Bearer other', token],
    ]) {
      const answer = await rawPost(
        server.url,
        { authorization: pair },
        JSON.stringify(initialize()),
      );
      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.body).error.data).toBe(
        'more than one access token was sent; send exactly one',
      );
    }
  });

  it('refuses tokens in the query string', async () => {
    const token = auth.authorization!.slice('Bearer '.length);
    const response = await post(`${server.url}?access_token=${token}`, initialize());
    expect(response.status).toBe(400);
    expect(response.headers.get('www-authenticate')).toContain('error="invalid_request"');
  });

  it('refuses a forged Origin with 403 and a forged Host with 403 (DNS rebinding)', async () => {
    const origin = await post(server.url, initialize(), {
      ...auth,
      origin: 'https://evil.example',
    });
    expect(origin.status).toBe(403);
    expect(origin.json.error.message).toContain('Origin https://evil.example is not allowed');
    const host = await rawPost(
      server.url,
      { ...auth, host: 'evil.example:80' },
      JSON.stringify(initialize()),
    );
    expect(host.status).toBe(403);
    expect(JSON.parse(host.body).error.message).toContain('Host evil.example:80 is not allowed');
    expect(JSON.parse(host.body).error.message).toContain(
      `expects Host ${new URL(server.url).host} `,
    );
    expect(JSON.parse(host.body).error.message).toContain('trustProxy: true');
    const sameOrigin = await post(server.url, initialize(), {
      ...auth,
      origin: new URL(server.url).origin,
    });
    expect(sameOrigin.status).toBe(200);
  });

  it('answers CORS preflights for allowed browser origins, exposing the session and challenge headers', async () => {
    const preflight = await fetch(server.url, {
      method: 'OPTIONS',
      headers: { origin: 'https://app.example', 'access-control-request-method': 'POST' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://app.example');
    expect(preflight.headers.get('access-control-allow-headers')).toContain('authorization');
    const actual = await post(server.url, initialize(), { origin: 'https://app.example' });
    expect(actual.status).toBe(401);
    expect(actual.headers.get('access-control-expose-headers')).toContain('www-authenticate');
  });

  it('validates Accept, Content-Type and the protocol version', async () => {
    expect((await post(server.url, initialize(), { ...auth, accept: 'text/html' })).status).toBe(
      406,
    );
    expect(
      (await post(server.url, initialize(), { ...auth, 'content-type': 'text/plain' })).status,
    ).toBe(415);
    const unsupported = await post(
      server.url,
      { jsonrpc: '2.0', id: 2, method: 'tools/list' },
      { ...auth, 'mcp-protocol-version': '1999-01-01' },
    );
    expect(unsupported.status).toBe(400);
    expect(unsupported.json.error.message).toMatch(/unsupported protocol version 1999-01-01/);
    const absent = await post(server.url, { jsonrpc: '2.0', id: 3, method: 'tools/list' }, auth);
    expect(absent.status).toBe(200);
  });

  it('answers malformed JSON with -32700, invalid messages with -32600, oversized bodies with 413', async () => {
    const malformed = await post(server.url, '{"jsonrpc": "2.0", "id": 1, "method": ', auth);
    expect([malformed.status, malformed.json.error.code]).toEqual([400, -32700]);
    const invalid = await post(server.url, { jsonrpc: '1.0', id: 4, method: 'tools/list' }, auth);
    expect([invalid.status, invalid.json.error.code, invalid.json.id]).toEqual([400, -32600, 4]);
    expect((await post(server.url, [], auth)).status).toBe(400);
    const big = await post(
      server.url,
      {
        jsonrpc: '2.0',
        id: 5,
        method: 'tools/call',
        params: { name: 'read_file', arguments: { path: 'x'.repeat(5000) } },
      },
      auth,
    );
    expect(big.status).toBe(413);
    const after = await post(server.url, { jsonrpc: '2.0', id: 6, method: 'tools/list' }, auth);
    expect(after.status).toBe(200);
  });

  it('handles batches per protocol version: allowed before 2025-06-18, refused after', async () => {
    const batch = [
      {
        jsonrpc: '2.0',
        id: 'a',
        method: 'tools/call',
        params: { name: 'read_file', arguments: { path: 'one' } },
      },
      { jsonrpc: '2.0', id: 'b', method: 'tools/call', params: { name: 'whoami' } },
      { jsonrpc: '2.0', method: 'notifications/initialized' },
    ];
    const old = await post(server.url, batch, { ...auth, 'mcp-protocol-version': '2025-03-26' });
    expect(old.status).toBe(200);
    expect(old.json.map((response: { id: string }) => response.id).sort()).toEqual(['a', 'b']);
    const current = await post(server.url, batch, {
      ...auth,
      'mcp-protocol-version': '2025-06-18',
    });
    expect(current.status).toBe(400);
    expect(current.json.error.message).toMatch(/batches are not allowed/);
  });

  it('has no GET stream or DELETE in stateless mode (405)', async () => {
    expect(
      (await fetch(server.url, { headers: { ...auth, accept: 'text/event-stream' } })).status,
    ).toBe(405);
    expect((await fetch(server.url, { method: 'DELETE', headers: auth })).status).toBe(405);
  });

  it('demands a session id after initialization (400) and refuses unknown ones (404) in stateful mode', async () => {
    const token = {
      authorization: `Bearer ${await as.mintToken({ audience: stateful.url, scopes: ['files:read'] })}`,
    };
    const init = await post(stateful.url, initialize(), token);
    expect(init.status).toBe(200);
    expect(init.headers.get('content-type')).toBe('text/event-stream');
    expect(init.headers.get('mcp-session-id')).toBeTruthy();
    expect(
      (await post(stateful.url, { jsonrpc: '2.0', id: 2, method: 'tools/list' }, token)).status,
    ).toBe(400);
    expect(
      (
        await post(
          stateful.url,
          { jsonrpc: '2.0', id: 2, method: 'tools/list' },
          { ...token, 'mcp-session-id': 'no-such-session' },
        )
      ).status,
    ).toBe(404);
  });
});
