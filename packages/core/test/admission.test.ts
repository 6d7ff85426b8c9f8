import {
  type AuthorizationServer,
  createDpopKey,
  type DpopKey,
  dpopProof,
  startAuthorizationServer,
} from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createOriginPolicy, MORE_THAN_ONE_CREDENTIAL } from '../src/adapter.js';
import {
  type AuditEvent,
  type AuthInfo,
  createJwtVerifier,
  createMemoryRateLimiter,
  createMemoryReplayCache,
  createPortcullis,
  createRegistry,
  type DpopMode,
  type Portcullis,
  type TokenVerifier,
} from '../src/index.js';
import { admittedAuth, refusalOf, requestEntry } from './helpers.js';

const RESOURCE = 'https://mcp.example.test/mcp';
const WS_URL = 'wss://mcp.example.test/mcp';
const subprotocol = (token: string) => `bearer.${Buffer.from(token).toString('base64url')}`;

describe('admission: one path for every entry, against a real authorization server', () => {
  let as: AuthorizationServer;
  let key: DpopKey;
  const events: AuditEvent[] = [];
  /** Tokens verified so far: a refusal before verification must not add one. */
  let verified = 0;

  beforeAll(async () => {
    as = await startAuthorizationServer();
    key = await createDpopKey();
  });
  afterAll(() => as.close());

  const mint = (subject = 'alice', claims: Record<string, unknown> = {}, expiresIn = 600) =>
    as.mintToken({ audience: RESOURCE, subject, scopes: ['files:read'], claims, expiresIn });

  function portcullisWith(
    options: { dpop?: DpopMode; limit?: number; replayEntries?: number } = {},
  ): Portcullis {
    const jwt = createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE });
    const counting: TokenVerifier = {
      verify: (token) => {
        verified += 1;
        return jwt.verify(token);
      },
    };
    return createPortcullis({
      resource: RESOURCE,
      server: { name: 'files', version: '1' },
      registry: createRegistry({}),
      verifier: counting,
      cache: false,
      authorizationServers: [as.issuer],
      audit: (event) => events.push(event),
      ...(options.limit !== undefined && {
        rateLimiter: createMemoryRateLimiter({ limit: options.limit, windowMs: 60_000 }),
      }),
      dpop: {
        mode: options.dpop ?? 'off',
        ...(options.replayEntries !== undefined && {
          replayCache: createMemoryReplayCache({ maxEntries: options.replayEntries }),
        }),
      },
    });
  }

  describe('exactly one credential', () => {
    const portcullis = () => portcullisWith();

    it('admits one Authorization header, one bearer. subprotocol entry, or an accepted query token', async () => {
      const gate = portcullis();
      const token = await mint();
      for (const entry of [
        requestEntry(`Bearer ${token}`),
        requestEntry(undefined, { subprotocols: ['mcp', subprotocol(token)] }),
        requestEntry(undefined, { search: `?access_token=${token}`, acceptQueryToken: true }),
      ])
        expect(admittedAuth(await gate.admit(entry))?.subject).toBe('alice');
    });

    it('refuses two credentials of one kind or of two kinds with the same error, before verifying either', async () => {
      const gate = portcullis();
      const alice = await mint('alice');
      const mallory = await mint('mallory');
      events.length = 0;
      verified = 0;
      const refusals = await Promise.all(
        [
          requestEntry([`Bearer ${alice}`, `Bearer ${mallory}`]),
          requestEntry(`Bearer ${alice}`, { subprotocols: ['mcp', subprotocol(mallory)] }),
          requestEntry(undefined, { subprotocols: [subprotocol(alice), subprotocol(mallory)] }),
          requestEntry(undefined, {
            subprotocols: [subprotocol(alice)],
            search: `?access_token=${mallory}`,
            acceptQueryToken: true,
          }),
          requestEntry(`Bearer ${alice}`, {
            search: `?access_token=${mallory}`,
            acceptQueryToken: true,
          }),
        ].map(async (entry) => refusalOf(await gate.admit(entry))),
      );
      for (const refusal of refusals) {
        expect(refusal.code).toBe('invalid_request');
        expect(refusal.message).toBe(MORE_THAN_ONE_CREDENTIAL);
        expect(gate.challenge(refusal).status).toBe(400);
      }
      expect(verified).toBe(0);
      expect(events).toHaveLength(5);
      expect(JSON.stringify(events)).not.toContain(alice);
      expect(JSON.stringify(events)).not.toContain(mallory);
    });

    it('refuses a token in the URL where none is accepted, naming where tokens go', async () => {
      const gate = portcullis();
      const token = await mint();
      const http = refusalOf(
        await gate.admit(requestEntry(undefined, { search: `?access_token=${token}` })),
      );
      expect(http.message).toBe(
        'access tokens are accepted only in the Authorization header, never in the URL',
      );
      const ws = refusalOf(
        await gate.admit(
          requestEntry(`Bearer ${token}`, {
            search: `?x=1&access_token=${token}`,
            subprotocols: [],
          }),
        ),
      );
      expect(ws.message).toBe(
        'access tokens are accepted in the Authorization header or a bearer subprotocol, never in the URL',
      );
    });

    it('repeats at most 128 characters of a refused Host or Origin in its message (and so its log line)', async () => {
      const gate = portcullis();
      const policy = createOriginPolicy('http://127.0.0.1:8080/mcp');
      const long = `${'h'.repeat(10_000)}.example`;
      const host = refusalOf(
        await gate.admit({
          kind: 'origin',
          transport: 'streamable-http',
          browser: { policy, host: long, origin: undefined },
        }),
      );
      const origin = refusalOf(
        await gate.admit({
          kind: 'origin',
          transport: 'streamable-http',
          browser: { policy, host: '127.0.0.1:8080', origin: `https://${long}` },
        }),
      );
      for (const refusal of [host, origin]) {
        expect(refusal.message).toContain(`${'h'.repeat(100)}`);
        expect(refusal.message).not.toContain('h'.repeat(129));
        expect(refusal.message.length).toBeLessThan(700);
      }
      expect(host.message).toContain(`… (${long.length} characters)`);
    });

    it('refuses a foreign Host or Origin with a 403 that carries no challenge, before any credential is read', async () => {
      const gate = portcullis();
      const policy = createOriginPolicy('http://127.0.0.1:8080/mcp');
      const token = await mint();
      verified = 0;
      const host = refusalOf(
        await gate.admit(
          requestEntry(`Bearer ${token}`, {
            browser: { policy, host: 'evil.example', origin: undefined },
          }),
        ),
      );
      const origin = refusalOf(
        await gate.admit({
          kind: 'origin',
          transport: 'streamable-http',
          browser: { policy, host: '127.0.0.1:8080', origin: 'https://evil.example' },
        }),
      );
      // The Host refusal names the expected host and the two proxy fixes.
      expect(host.message).toMatch(
        /^Forbidden: Host evil\.example is not allowed; this server expects Host 127\.0\.0\.1:8080 .*trustProxy: true/,
      );
      expect(origin.message).toBe('Forbidden: Origin https://evil.example is not allowed');
      const challenge = gate.challenge(origin);
      expect(challenge.status).toBe(403);
      expect(challenge.headers['www-authenticate']).toBeUndefined();
      expect(challenge.body.error).toEqual({
        code: -32600,
        message: 'Forbidden: Origin https://evil.example is not allowed',
      });
      expect(verified).toBe(0);
    });
  });

  describe('a token bound to a key is never accepted as Bearer', () => {
    const bindings = (thumbprint: string) => [
      { cnf: { jkt: thumbprint } },
      { cnf: { 'x5t#S256': 'bwcK0esc3ACC3DB2Y5_lESsXE8o9ltc05O89jdN-dg2' } },
    ];
    for (const mode of ['off', 'optional', 'required'] as const) {
      it(`with DPoP ${mode}: over HTTP, at a stdio start, and in a WebSocket re-authentication`, async () => {
        const gate = portcullisWith({ dpop: mode });
        for (const claims of bindings(key.thumbprint)) {
          const token = await mint('alice', claims);
          const refusals = [
            refusalOf(await gate.admit(requestEntry(`Bearer ${token}`))),
            refusalOf(await gate.admit({ kind: 'start', transport: 'stdio', token })),
            refusalOf(
              await gate.admit({
                kind: 'reauthenticate',
                transport: 'websocket',
                token,
                proof: undefined,
                identity: undefined,
                url: WS_URL,
              }),
            ),
          ];
          // A stdio start with DPoP required is refused before the token is even read.
          expect(refusals.map((refusal) => refusal.code)).toEqual([
            'invalid_token',
            mode === 'required' ? 'invalid_request' : 'invalid_token',
            'invalid_token',
          ]);
          if (mode === 'off')
            expect(refusals[0]!.message).toBe(
              'the token is bound to a key (cnf) and this resource does not accept DPoP: it cannot be used here',
            );
        }
      });
    }

    it('with DPoP optional, the jkt-bound token works with its proof, and an unbound one as Bearer', async () => {
      const gate = portcullisWith({ dpop: 'optional' });
      const bound = await mint('alice', { cnf: { jkt: key.thumbprint } });
      const proof = await dpopProof(key, { method: 'POST', url: RESOURCE, accessToken: bound });
      expect(
        admittedAuth(await gate.admit(requestEntry(`DPoP ${bound}`, { dpop: proof })))
          ?.dpopThumbprint,
      ).toBe(key.thumbprint);
      expect(admittedAuth(await gate.admit(requestEntry(`Bearer ${await mint()}`)))).toBeDefined();
    });
  });

  describe('the rate limit, before any DPoP proof is remembered', () => {
    it('counts re-authentications, so one identity cannot fill a small replay cache and lock out another', async () => {
      const gate = portcullisWith({ dpop: 'required', limit: 3, replayEntries: 4 });
      const reauth = async (subject: string) => {
        const token = await mint(subject, { cnf: { jkt: key.thumbprint } });
        return gate.admit({
          kind: 'reauthenticate',
          transport: 'websocket',
          token,
          proof: await dpopProof(key, { method: 'POST', url: WS_URL, accessToken: token }),
          identity: undefined,
          url: WS_URL,
        });
      };
      const flood: string[] = [];
      for (let attempt = 0; attempt < 10; attempt += 1) {
        const admission = await reauth('flooder');
        flood.push(admission.admitted ? 'ok' : admission.refusal.code);
      }
      expect(flood).toEqual(['ok', 'ok', 'ok', ...Array(7).fill('rate_limited')]);
      // Three proofs remembered of four places: another identity still gets in.
      expect((await reauth('bystander')).admitted).toBe(true);
    });

    it('counts every message of an open connection or process, and refuses one whose token expired', async () => {
      const gate = portcullisWith({ limit: 2 });
      const auth = admittedAuth(
        await gate.admit({ kind: 'start', transport: 'stdio', token: await mint('carol') }),
      ) as AuthInfo;
      const message = () => gate.admit({ kind: 'message', transport: 'stdio', auth });
      expect((await message()).admitted).toBe(true);
      const refusal = refusalOf(await message());
      expect(refusal.code).toBe('rate_limited');
      expect(refusal.retryAfterSeconds).toBeGreaterThanOrEqual(1);
      const expired = refusalOf(
        await gate.admit({
          kind: 'message',
          transport: 'websocket',
          auth: { ...auth, subject: 'dave', expiresAt: Math.floor(Date.now() / 1000) - 1 },
        }),
      );
      expect([expired.code, expired.message]).toEqual(['invalid_token', 'token has expired']);
    });
  });

  describe('re-authentication and start', () => {
    it('refuses a re-authentication naming another identity, audited as a session mismatch', async () => {
      const gate = portcullisWith();
      const alice = admittedAuth(await gate.admit(requestEntry(`Bearer ${await mint('alice')}`)))!;
      events.length = 0;
      const refusal = refusalOf(
        await gate.admit({
          kind: 'reauthenticate',
          transport: 'websocket',
          token: await mint('mallory'),
          proof: undefined,
          identity: JSON.stringify([alice.issuer, alice.subject, alice.clientId]),
          url: WS_URL,
        }),
      );
      expect(refusal.message).toBe(
        'the new token names another identity than the one this connection was opened for',
      );
      expect(events).toEqual([
        expect.objectContaining({ type: 'session_mismatch', subject: 'mallory' }),
      ]);
    });

    it('refuses to start over stdio when DPoP is required, whatever the token', async () => {
      const gate = portcullisWith({ dpop: 'required' });
      verified = 0;
      const refusal = refusalOf(
        await gate.admit({ kind: 'start', transport: 'stdio', token: await mint() }),
      );
      expect(refusal.message).toBe(
        'this resource requires DPoP, and no DPoP proof can travel over stdio: serve it over HTTP or WebSocket, or set DPoP to optional or off',
      );
      expect(verified).toBe(0);
    });

    it('starts with a token (counted), with an explicit local user, and refuses neither', async () => {
      const gate = portcullisWith({ limit: 1 });
      const token = await mint('erin');
      expect((await gate.admit({ kind: 'start', transport: 'stdio', token })).admitted).toBe(true);
      expect(refusalOf(await gate.admit({ kind: 'start', transport: 'stdio', token })).code).toBe(
        'rate_limited',
      );
      const local = admittedAuth(
        await gate.admit({
          kind: 'start',
          transport: 'stdio',
          token: undefined,
          localUser: { scopes: ['files:read'], subject: 'me' },
        }),
      );
      expect(local).toMatchObject({ issuer: 'local', subject: 'me', scopes: ['files:read'] });
      expect(
        refusalOf(await gate.admit({ kind: 'start', transport: 'stdio', token: undefined })).code,
      ).toBe('missing_token');
    });
  });
});
