import { createHash } from 'node:crypto';
import { createDpopKey, type DpopKey, dpopProof } from '@portcullis/testing';
import { exportJWK, generateKeyPair } from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { createDpopNonces } from './dpop-nonce.js';
import { type DpopProofOptions, verifyDpopProof } from './dpop-proof.js';
import { createMemoryReplayCache } from './dpop-replay-cache.js';
import { dpopTargetUri } from './dpop-target-uri.js';

const URL_ = 'https://files.example.com/mcp';
const TOKEN = 'eyJ.token.value';

describe('verifyDpopProof', () => {
  let key: DpopKey;
  const options = (extra: Partial<DpopProofOptions> = {}): DpopProofOptions => ({
    algorithms: new Set(['ES256', 'EdDSA']),
    iatWindowSeconds: 60,
    replayCache: createMemoryReplayCache(),
    ...extra,
  });
  const target = () => ({
    method: 'POST',
    url: URL_,
    accessToken: TOKEN,
    thumbprint: key.thumbprint,
  });
  const proof = (extra: Partial<Parameters<typeof dpopProof>[1]> = {}) =>
    dpopProof(key, { method: 'POST', url: URL_, accessToken: TOKEN, ...extra });

  beforeAll(async () => {
    key = await createDpopKey();
  });

  /** The claims of a valid proof for the target, for proofs signed by hand. */
  const proofClaims = () => ({
    jti: crypto.randomUUID(),
    htm: 'POST',
    htu: URL_,
    iat: Math.floor(Date.now() / 1000),
    ath: createHash('sha256').update(TOKEN).digest('base64url'),
  });
  /** A proof signed by the bound key with any header members and payload jose would refuse. */
  const handSigned = async (header: Record<string, unknown>, payload: unknown) =>
    handSignedSegment(header, Buffer.from(JSON.stringify(payload)).toString('base64url'));
  /** The same, with the payload segment as given. */
  const handSignedSegment = async (header: Record<string, unknown>, payload: string) => {
    const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
    const input = `${encode({ alg: 'ES256', typ: 'dpop+jwt', jwk: key.publicJwk, ...header })}.${payload}`;
    const signature = await crypto.subtle.sign(
      { name: 'ECDSA', hash: 'SHA-256' },
      key.privateKey,
      new TextEncoder().encode(input),
    );
    return `${input}.${Buffer.from(signature).toString('base64url')}`;
  };

  it('accepts a proof for the request, its query ignored, and returns the thumbprint', async () => {
    const verified = await verifyDpopProof(
      await proof({ url: `${URL_}?x=1#f` }),
      { ...target(), url: `https://FILES.example.com:443/mcp?y=2` },
      options(),
    );
    expect(verified.thumbprint).toBe(key.thumbprint);
  });

  const refusals: Array<[string, () => Promise<string>, RegExp]> = [
    ['a wrong typ', () => proof({ header: { typ: 'JWT' } }), /typ must be dpop\+jwt/],
    [
      'alg none',
      async () => `${Buffer.from('{"alg":"none","typ":"dpop+jwt"}').toString('base64url')}.e30.`,
      /compact JWS/,
    ],
    [
      'an algorithm off the list',
      async () =>
        dpopProof(await createDpopKey('PS256'), { method: 'POST', url: URL_, accessToken: TOKEN }),
      /PS256 is not accepted/,
    ],
    [
      'a private key in jwk',
      async () => {
        const { privateKey } = await generateKeyPair('ES256', { extractable: true });
        return proof({ header: { jwk: await exportJWK(privateKey) } });
      },
      /public key/,
    ],
    ['no jwk', () => proof({ header: { jwk: undefined } }), /no jwk/],
    ['another ath', () => proof({ accessToken: 'another token' }), /ath/],
    ['no jti', () => proof({ claims: { jti: undefined } }), /jti/],
    ['an iat in the future', () => proof({ issuedAt: Math.floor(Date.now() / 1000) + 600 }), /iat/],
    [
      'an extension it does not understand (crit)',
      () => handSigned({ crit: ['exp'], exp: 1 }, proofClaims()),
      /crit/,
    ],
    ['a payload that is not an object', () => handSigned({}, [proofClaims()]), /not a JSON object/],
    [
      'a payload of 4n+1 base64url characters, which encode nothing',
      () => {
        // The claims padded to a 4n-character segment; one more character makes it 4n+1.
        const encode = (json: string) => Buffer.from(json).toString('base64url');
        let json = JSON.stringify(proofClaims());
        while (encode(json).length % 4 !== 0) json += ' ';
        return handSignedSegment({}, `${encode(json)}A`);
      },
      /payload/,
    ],
    [
      'a payload that is not UTF-8',
      () => {
        const bytes = Buffer.from(JSON.stringify({ ...proofClaims(), jti: 'id~' }));
        bytes[bytes.indexOf('~')] = 0xff;
        return handSignedSegment({}, bytes.toString('base64url'));
      },
      /payload/,
    ],
    [
      'an expired proof (exp)',
      () => proof({ claims: { exp: Math.floor(Date.now() / 1000) - 5 } }),
      /expired/,
    ],
    [
      'a proof not valid yet (nbf)',
      () => proof({ claims: { nbf: Math.floor(Date.now() / 1000) + 30 } }),
      /not valid yet/,
    ],
    [
      'an htu with another port',
      () => proof({ url: 'https://files.example.com:8443/mcp' }),
      /not for/,
    ],
  ];
  for (const [name, make, reason] of refusals) {
    it(`refuses ${name}`, async () => {
      await expect(verifyDpopProof(await make(), target(), options())).rejects.toMatchObject({
        code: 'invalid_dpop_proof',
        scheme: 'DPoP',
        message: expect.stringMatching(reason),
      });
    });
  }

  it('accepts a proof signed by hand as the refusals below are, when nothing is wrong with it', async () => {
    const verified = await verifyDpopProof(
      await handSigned({}, proofClaims()),
      target(),
      options(),
    );
    expect(verified.thumbprint).toBe(key.thumbprint);
  });

  it('refuses a key other than the bound one before checking any signature with it', async () => {
    // An RSA key with a 3,000-bit public exponent costs milliseconds per signature check: a
    // holder of a bound token could spend the server's CPU with proofs carrying one.
    const costly = {
      kty: 'RSA',
      n: Buffer.alloc(256, 0xc5).toString('base64url'),
      e: Buffer.alloc(384, 0x01).toString('base64url'),
    };
    const forged = `${(await handSigned({ alg: 'RS256', jwk: costly }, proofClaims())).split('.').slice(0, 2).join('.')}.AAAA`;
    await expect(
      verifyDpopProof(forged, target(), options({ algorithms: new Set(['RS256']) })),
    ).rejects.toMatchObject({ message: expect.stringMatching(/another key/) });
  });

  it('asks for the nonce, and accepts the current one', async () => {
    const nonces = createDpopNonces();
    await expect(
      verifyDpopProof(await proof(), target(), options({ nonces })),
    ).rejects.toMatchObject({
      code: 'use_dpop_nonce',
      dpopNonce: nonces.current(),
    });
    await verifyDpopProof(await proof({ nonce: nonces.current() }), target(), options({ nonces }));
  });

  it('fails closed (unavailable) when the replay cache is full of live ids', async () => {
    const replayCache = createMemoryReplayCache({ maxEntries: 1 });
    await verifyDpopProof(await proof(), target(), options({ replayCache }));
    await expect(
      verifyDpopProof(await proof(), target(), options({ replayCache })),
    ).rejects.toMatchObject({
      code: 'unavailable',
    });
  });

  it('reuses an imported key only for proofs that key signed, and bound to it', async () => {
    const replayCache = createMemoryReplayCache();
    // The first proof imports the key; the next ones find it imported.
    await verifyDpopProof(await proof(), target(), options({ replayCache }));
    await verifyDpopProof(await proof(), target(), options({ replayCache }));
    const forger = await createDpopKey();
    const forged = await dpopProof(forger, {
      method: 'POST',
      url: URL_,
      accessToken: TOKEN,
      header: { jwk: key.publicJwk },
    });
    await expect(verifyDpopProof(forged, target(), options({ replayCache }))).rejects.toMatchObject(
      { code: 'invalid_dpop_proof', message: expect.stringMatching(/signature is invalid/) },
    );
    await expect(
      verifyDpopProof(
        await proof(),
        { ...target(), thumbprint: forger.thumbprint },
        options({ replayCache }),
      ),
    ).rejects.toMatchObject({ message: expect.stringMatching(/another key/) });
  });
});

describe('dpopTargetUri', () => {
  it('normalises as RFC 9449 §4.3 and RFC 3986 §6 ask', () => {
    expect(dpopTargetUri('HTTPS://Host.Example:443/a%7eb/%2f?q#f')).toBe(
      'https://host.example/a~b/%2F',
    );
    expect(dpopTargetUri('wss://host.example/mcp/ws')).toBe('https://host.example/mcp/ws');
    expect(dpopTargetUri('ftp://host/x')).toBeUndefined();
  });
});

describe('createDpopNonces', () => {
  it('accepts the current and the previous nonce, nothing older, nothing forged', () => {
    let now = 1_000_000_000_000;
    const nonces = createDpopNonces({ rotateSeconds: 60, now: () => now });
    const first = nonces.current();
    now += 60_000;
    expect(nonces.check(first)).toBe(true);
    now += 60_000;
    expect(nonces.check(first)).toBe(false);
    expect(nonces.check(`${first.split('.')[0]}.${'A'.repeat(32)}`)).toBe(false);
  });
});
