import { createDpopKey, dpopProof } from '@portcullis/testing';
import { describe, expect, it } from 'vitest';
import {
  type AuthInfo,
  createMemoryRateLimiter,
  createPortcullis,
  createRegistry,
} from '../src/index.js';
import { requestEntry } from './helpers.js';

const RESOURCE = 'https://mcp.example.test/mcp';

describe('DPoP behind the rate limit', () => {
  it('applies the rate limit before a proof reaches the replay cache', async () => {
    const key = await createDpopKey();
    const token = 'bound-token';
    const caller: AuthInfo = {
      token,
      clientId: 'c',
      scopes: [],
      expiresAt: Math.floor(Date.now() / 1000) + 600,
      issuer: 'https://issuer.example',
      subject: 'flooder',
      claims: { cnf: { jkt: key.thumbprint } },
    };
    const recorded: string[] = [];
    const portcullis = createPortcullis({
      resource: RESOURCE,
      server: { name: 's', version: '1' },
      registry: createRegistry({}),
      verifier: { verify: async () => caller },
      authorizationServers: ['https://issuer.example'],
      rateLimiter: createMemoryRateLimiter({ limit: 2, windowMs: 60_000 }),
      dpop: {
        mode: 'required',
        replayCache: {
          use: (id) => {
            recorded.push(id);
            return true;
          },
        },
      },
      logger: { debug() {}, info() {}, warn() {}, error() {} },
    });
    const outcomes: string[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1) {
      const proof = await dpopProof(key, { method: 'POST', url: RESOURCE, accessToken: token });
      const admission = await portcullis.admit(
        requestEntry(`DPoP ${token}`, { dpop: proof, method: 'POST', url: RESOURCE }),
      );
      outcomes.push(admission.admitted ? 'ok' : admission.refusal.code);
    }
    expect(outcomes).toEqual(['ok', 'ok', 'rate_limited', 'rate_limited', 'rate_limited']);
    expect(recorded).toHaveLength(2);
  });
});
