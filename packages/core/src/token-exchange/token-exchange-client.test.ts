import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { decodeJwt, decodeProtectedHeader, exportJWK, generateKeyPair, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuthError } from '../auth-error.js';
import { createChallenge } from '../challenge.js';
import { createDpopPolicy } from '../dpop-policy.js';
import { authenticateClient } from './client-authentication.js';
import { ExchangedToken } from './exchanged-token.js';
import { createServerDpopKey } from './server-dpop-key.js';

describe('client authentication at the token endpoint', () => {
  it('private_key_jwt: a one-minute assertion for the token endpoint, signed with the key', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const form = new URLSearchParams();
    const headers: Record<string, string> = {};
    const endpoint = 'https://as.example/token';
    await authenticateClient(
      'mcp-server',
      { method: 'private_key_jwt', privateKey, alg: 'ES256', kid: 'k1' },
      endpoint,
      form,
      headers,
    );
    expect(headers.authorization).toBeUndefined();
    expect(form.get('client_assertion_type')).toBe(
      'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
    );
    const assertion = form.get('client_assertion')!;
    const { payload } = await jwtVerify(assertion, publicKey, {
      issuer: 'mcp-server',
      subject: 'mcp-server',
      audience: endpoint,
    });
    expect(payload.exp! - payload.iat!).toBe(60);
    expect(decodeProtectedHeader(assertion).kid).toBe('k1');
  });

  it('client_secret_basic by default, client_secret_post in the body', async () => {
    const basic = { form: new URLSearchParams(), headers: {} as Record<string, string> };
    await authenticateClient(
      'a b',
      { clientSecret: 's:1' },
      'https://x',
      basic.form,
      basic.headers,
    );
    expect(basic.headers.authorization).toBe(
      `Basic ${Buffer.from('a+b:s%3A1').toString('base64')}`,
    );
    expect(basic.form.has('client_secret')).toBe(false);
    const post = { form: new URLSearchParams(), headers: {} as Record<string, string> };
    await authenticateClient(
      'app',
      { method: 'client_secret_post', clientSecret: 'sec' },
      'https://x',
      post.form,
      post.headers,
    );
    expect(Object.fromEntries(post.form)).toEqual({ client_id: 'app', client_secret: 'sec' });
    expect(post.headers.authorization).toBeUndefined();
  });
});

describe("a DPoP-bound exchanged token's fetch", () => {
  // A downstream API that insists on DPoP nonces, checked by the core's own policy.
  const policy = createDpopPolicy({ mode: 'required', nonces: true })!;
  let url: string;
  let thumbprint: string;
  const requests: string[] = [];
  const server = createServer(async (req, res) => {
    const token = (req.headers.authorization ?? '').replace(/^DPoP /, '');
    const auth = {
      token,
      clientId: 'c',
      scopes: [],
      expiresAt: Math.floor(Date.now() / 1000) + 60,
      issuer: 'https://as.example',
      subject: 'alice',
      claims: { cnf: { jkt: thumbprint } },
    };
    try {
      await policy.bind(
        auth,
        { scheme: 'DPoP', token },
        { dpop: req.headers.dpop, method: req.method, url: `${url}${req.url}` },
      );
      requests.push('ok');
      res.end('stock: 7');
    } catch (error) {
      requests.push((error as AuthError).code);
      const challenge = createChallenge(error as AuthError, {
        dpop: { algorithms: ['ES256'], required: true },
      });
      res.writeHead(challenge.status, {
        ...challenge.headers,
        ...((error as AuthError).dpopNonce && { 'dpop-nonce': (error as AuthError).dpopNonce }),
      });
      res.end();
    }
  });
  beforeAll(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  it('proves possession with the server key, and retries once with the nonce asked for', async () => {
    const { privateKey, publicKey } = await generateKeyPair('ES256');
    const key = await createServerDpopKey({
      alg: 'ES256',
      privateKey,
      publicJwk: { ...(await exportJWK(publicKey)), d: 'must not be published' },
    });
    thumbprint = key.thumbprint;
    const token = new ExchangedToken(
      { accessToken: 'downstream-token', tokenType: 'DPoP', scope: '', expiresAt: 0 },
      key,
      fetch,
    );
    const response = await token.fetch(`${url}/stock/apple?x=1`, { method: 'GET' });
    expect(await response.text()).toBe('stock: 7');
    expect(requests).toEqual(['use_dpop_nonce', 'ok']);
    const proof = await key.proof({ method: 'get', url: `${url}/a?b#c` });
    expect(decodeProtectedHeader(proof).jwk).not.toHaveProperty('d');
    expect(decodeJwt(proof)).toMatchObject({ htm: 'GET', htu: `${url}/a` });
  });

  it('a bearer token is sent as Bearer, without a proof', async () => {
    const seen: Headers[] = [];
    const token = new ExchangedToken(
      { accessToken: 't', tokenType: 'Bearer', scope: '', expiresAt: 0 },
      await createServerDpopKey(),
      async (_input, init) => {
        seen.push(new Headers(init?.headers));
        return new Response('ok');
      },
    );
    await token.fetch('https://api.example/x', { headers: { accept: 'text/plain' } });
    expect(seen[0]!.get('authorization')).toBe('Bearer t');
    expect(seen[0]!.get('dpop')).toBeNull();
    expect(seen[0]!.get('accept')).toBe('text/plain');
  });
});
