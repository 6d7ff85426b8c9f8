import type { Fault, HeldAnswer, HeldRequest } from './breaking-proxy.js';

/** What the faults need to know of the server behind the proxy. */
export interface FaultSetting {
  /** A valid unbound token with every scope: what a fault that "accepts" something swaps in. */
  goodToken: string;
  /** The narrow token the probe lists and calls with. */
  narrowToken: string;
  /** The resource URL (the proxy's `/mcp`). */
  resource: string;
}

const tokenOf = (held: HeldRequest) =>
  /^(?:Bearer|DPoP)\s+(\S+)$/i.exec(held.headers.authorization ?? '')?.[1];

/** A JWT's header or payload, unverified; `undefined` for anything else. */
function jwtPart(token: string | undefined, part: 0 | 1): Record<string, unknown> | undefined {
  const segments = token?.split('.');
  if (segments?.length !== 3) return undefined;
  try {
    return JSON.parse(Buffer.from(segments[part]!, 'base64url').toString());
  } catch {
    return undefined;
  }
}

/** `held` with `token` as its Bearer credential and no DPoP proof. */
function withToken(held: HeldRequest, token: string): HeldRequest {
  const { dpop: _proof, ...headers } = held.headers;
  return { ...held, headers: { ...headers, authorization: `Bearer ${token}` } };
}

const bodyOf = (held: HeldRequest) => {
  try {
    return JSON.parse(held.body.toString()) as {
      id?: unknown;
      method?: string;
      params?: { name?: string };
    };
  } catch {
    return undefined;
  }
};

const jsonAnswer = (
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): HeldAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: Buffer.from(JSON.stringify(value)),
});

/** Overrides members of the JSON document of a metadata answer. */
const editMetadata =
  (edit: Record<string, unknown>): Fault['answer'] =>
  (answer, held) => {
    if (!held.path.startsWith('/.well-known/oauth-protected-resource') || answer.status !== 200)
      return answer;
    const document = { ...JSON.parse(answer.body.toString()), ...edit };
    return { ...answer, body: Buffer.from(JSON.stringify(document)) };
  };

/** Rewrites the `WWW-Authenticate` of every answer that has one. */
const editChallenge =
  (edit: (challenge: string) => string): Fault['answer'] =>
  (answer) => {
    const challenge = answer.headers['www-authenticate'];
    return challenge
      ? { ...answer, headers: { ...answer.headers, 'www-authenticate': edit(challenge) } }
      : answer;
  };

const withoutOrigin = (held: HeldRequest): HeldRequest => {
  const { origin: _origin, ...headers } = held.headers;
  return { ...held, headers };
};

const isMcp = (held: HeldRequest) => held.path.split('?')[0] === '/mcp';
const PATH_AWARE = '/.well-known/oauth-protected-resource/mcp';

/** One fault per check: with it in force, that check (and only that one) must fail. */
export function createFaults(setting: FaultSetting): Record<string, Fault> {
  const accept = (when: (held: HeldRequest) => boolean): Fault => ({
    request: (held) => (isMcp(held) && when(held) ? withToken(held, setting.goodToken) : held),
  });
  const audienceOf = (token: string | undefined) => [jwtPart(token, 1)?.aud].flat();
  return {
    'metadata.well-known': {
      request: (held) =>
        held.path === PATH_AWARE
          ? jsonAnswer(404, { error: 'not found' })
          : held.path === '/.well-known/oauth-protected-resource'
            ? { ...held, path: PATH_AWARE }
            : held,
      answer: editChallenge((challenge) =>
        challenge.replace(PATH_AWARE, '/.well-known/oauth-protected-resource'),
      ),
    },
    'metadata.resource': {
      answer: editMetadata({ resource: new URL(setting.resource).origin }),
    },
    'metadata.authorization-servers': {
      answer: editMetadata({ authorization_servers: ['http://127.0.0.1:9/nowhere'] }),
    },
    'metadata.fields': {
      answer: editMetadata({ bearer_methods_supported: ['header', 'query'] }),
    },
    'challenge.no-token': {
      request: (held) =>
        isMcp(held) && !held.headers.authorization && bodyOf(held)?.method === 'tools/call'
          ? jsonAnswer(200, {
              jsonrpc: '2.0',
              id: bodyOf(held)?.id,
              error: { code: -32001, message: 'Unauthorized' },
            })
          : held,
    },
    'challenge.resource-metadata': {
      answer: editChallenge((challenge) =>
        challenge.replace(/resource_metadata="[^"]*"(?:,\s*)?/g, '').replace(/,\s*$/, ''),
      ),
    },
    'challenge.no-token-list': accept(
      (held) => !held.headers.authorization && bodyOf(held)?.method === 'tools/list',
    ),
    'challenge.malformed-token': accept((held) => !!tokenOf(held) && !jwtPart(tokenOf(held), 1)),
    'challenge.expired-token': accept(
      (held) => Number(jwtPart(tokenOf(held), 1)?.exp) < Date.now() / 1000,
    ),
    'token.accepted': {
      request: (held) =>
        isMcp(held) && tokenOf(held) === setting.narrowToken
          ? jsonAnswer(
              401,
              { error: 'invalid_token' },
              { 'www-authenticate': 'Bearer error="invalid_token"' },
            )
          : held,
    },
    'token.foreign-audience': accept((held) => {
      const audience = audienceOf(tokenOf(held));
      return (
        typeof audience[0] === 'string' &&
        audience[0].startsWith('http') &&
        !audience.includes(setting.resource)
      );
    }),
    'token.id-token': accept((held) => jwtPart(tokenOf(held), 1)?.nonce !== undefined),
    'token.query-refused': {
      request: (held) => {
        const token = new URL(held.path, 'http://x').searchParams.get('access_token');
        return isMcp(held) && token && !held.headers.authorization
          ? withToken({ ...held, path: '/mcp' }, token)
          : held;
      },
    },
    'token.not-echoed': {
      answer: (answer, held) =>
        answer.status === 401 && tokenOf(held)
          ? jsonAnswer(401, { error: 'invalid_token', token: tokenOf(held) }, answer.headers)
          : answer,
    },
    'scope.list-filtered': accept(
      (held) => tokenOf(held) === setting.narrowToken && bodyOf(held)?.method === 'tools/list',
    ),
    'scope.insufficient-scope': {
      answer: (answer, held) =>
        /insufficient_scope/.test(answer.headers['www-authenticate'] ?? '')
          ? jsonAnswer(200, {
              jsonrpc: '2.0',
              id: bodyOf(held)?.id ?? null,
              error: { code: -32001, message: 'insufficient_scope' },
            })
          : answer,
    },
    'dpop.proof-required': accept(
      (held) => !held.headers.dpop && jwtPart(tokenOf(held), 1)?.cnf !== undefined,
    ),
    'dpop.replay': (() => {
      const seen = new Set<string>();
      return accept((held) => {
        const jti = String(jwtPart(held.headers.dpop, 1)?.jti);
        if (!held.headers.dpop) return false;
        if (seen.has(jti)) return true;
        seen.add(jti);
        return false;
      });
    })(),
    'dpop.wrong-url': accept((held) => {
      const htu = jwtPart(held.headers.dpop, 1)?.htu;
      return typeof htu === 'string' && new URL(htu).pathname !== '/mcp';
    }),
    'transport.origin': { request: (held) => (held.upgrade ? held : withoutOrigin(held)) },
    'transport.host': {
      request: (held) => ({
        ...held,
        headers: { ...held.headers, host: new URL(setting.resource).host },
      }),
    },
    'transport.header-mismatch': {
      request: (held) => {
        const body = bodyOf(held);
        if (!isMcp(held) || !held.headers['mcp-method'] || !body?.method) return held;
        return {
          ...held,
          headers: {
            ...held.headers,
            'mcp-method': body.method,
            'mcp-name': body.params?.name ?? '',
          },
        };
      },
    },
    'transport.oversized-body': {
      request: (held) =>
        held.body.length > 1 << 20
          ? jsonAnswer(200, { jsonrpc: '2.0', id: 1, result: { tools: [] } })
          : held,
    },
    'websocket.no-token': {
      request: (held) =>
        held.upgrade && !held.headers.authorization ? withToken(held, setting.goodToken) : held,
    },
    'websocket.origin': { request: (held) => (held.upgrade ? withoutOrigin(held) : held) },
  };
}
