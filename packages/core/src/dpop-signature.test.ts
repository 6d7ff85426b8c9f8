import { constants, generateKeyPairSync, type KeyObject, sign } from 'node:crypto';
import { CompactSign, exportJWK, generateKeyPair, type JWK } from 'jose';
import { describe, expect, it, vi } from 'vitest';
import { DEFAULT_DPOP_ALGORITHMS } from './dpop-policy.js';
import {
  importProofKeyWithNodeCrypto,
  importProofKeyWithWebCrypto,
  type ProofKey,
} from './dpop-signature.js';

const payload = new TextEncoder().encode('{"jti":"a"}');

/** A compact JWS made by jose, the reference: its parts, and the public JWK. */
async function joseSigned(alg: string, options: { crv?: string } = {}) {
  const { publicKey, privateKey } = await generateKeyPair(alg, { extractable: true, ...options });
  const jws = await new CompactSign(payload).setProtectedHeader({ alg }).sign(privateKey);
  const [header, body, signature] = jws.split('.') as [string, string, string];
  return { jwk: await exportJWK(publicKey), input: `${header}.${body}`, signature };
}

/** A signature made with node:crypto directly, for the forms jose will not produce. */
function nodeSigned(
  alg: string,
  privateKey: KeyObject,
  digest: string | null,
  options: Record<string, unknown> = {},
) {
  const input = `${Buffer.from(JSON.stringify({ alg })).toString('base64url')}.${Buffer.from(payload).toString('base64url')}`;
  const signature = sign(digest, Buffer.from(input), { key: privateKey, ...options });
  return { input, signature: signature.toString('base64url') };
}

const importers: Record<string, (jwk: object, alg: string) => Promise<ProofKey | undefined>> = {
  'node:crypto': async (jwk, alg) => importProofKeyWithNodeCrypto(jwk, alg),
  'WebCrypto (runtimes without node:crypto keys)': importProofKeyWithWebCrypto,
};

describe.each(Object.entries(importers))(
  'DPoP proof signatures with %s',
  (_name, importProofKey) => {
    const verifies = async (alg: string, jwk: JWK, input: string, signature: string) => {
      const key = await importProofKey(jwk, alg);
      return key !== undefined && (await key.verify(`${input}.${signature}`));
    };

    const keys: Array<[string, { crv?: string }]> = [
      ...DEFAULT_DPOP_ALGORITHMS.filter((alg) => alg !== 'EdDSA').map(
        (alg) => [alg, {}] as [string, { crv?: string }],
      ),
      ['EdDSA', { crv: 'Ed25519' }],
    ];
    for (const [alg, options] of keys)
      it(`verifies what jose signs with ${alg}${options.crv ? ` (${options.crv})` : ''}, and nothing altered`, async () => {
        const { jwk, input, signature } = await joseSigned(alg, options);
        expect(await verifies(alg, jwk, input, signature)).toBe(true);
        expect(await verifies(alg, jwk, `${input}x`, signature)).toBe(false);
        const flipped = Buffer.from(signature, 'base64url');
        flipped[5] = (flipped[5] ?? 0) ^ 1;
        expect(await verifies(alg, jwk, input, flipped.toString('base64url'))).toBe(false);
        expect(await verifies(alg, jwk, input, signature.slice(0, -4))).toBe(false);
      });

    it('refuses a signature of 4n+1 base64url characters, which encode nothing', async () => {
      // An ES512 signature (132 bytes) is 176 characters: one more would be dropped, not decoded.
      const { jwk, input, signature } = await joseSigned('ES512');
      expect(signature.length % 4).toBe(0);
      expect(await verifies('ES512', jwk, input, signature)).toBe(true);
      expect(await verifies('ES512', jwk, input, `${signature}A`)).toBe(false);
    });

    it('refuses a JWK meant for another use or operation, as the old jwtVerify did', async () => {
      const { jwk, input, signature } = await joseSigned('ES256');
      for (const members of [{ use: 'sig' }, { key_ops: ['verify'] }, { ext: false }])
        expect(await verifies('ES256', { ...jwk, ...members }, input, signature)).toBe(true);
      for (const members of [
        { use: 'enc' },
        { use: 1 },
        { key_ops: ['sign'] },
        { key_ops: ['verify', 'sign'] },
        { key_ops: ['verify', 'verify'] },
        { key_ops: [] },
        { key_ops: 'verify' },
        { ext: 'true' },
      ])
        expect(
          await importProofKey({ ...jwk, ...members }, 'ES256'),
          JSON.stringify(members),
        ).toBeUndefined();
    });

    it('refuses a key of another type or size than the algorithm names', async () => {
      const p384 = (await joseSigned('ES384')).jwk;
      const rsa = (await joseSigned('RS256')).jwk;
      const ed25519 = (await joseSigned('Ed25519')).jwk;
      const ed448 = generateKeyPairSync('ed448').publicKey.export({ format: 'jwk' }) as JWK;
      const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
        format: 'jwk',
      }) as JWK;
      expect(await importProofKey(p384, 'ES256')).toBeUndefined();
      expect(await importProofKey(rsa, 'ES256')).toBeUndefined();
      expect(await importProofKey(ed25519, 'RS256')).toBeUndefined();
      expect(await importProofKey(ed448, 'Ed25519')).toBeUndefined();
      expect(await importProofKey(ed448, 'EdDSA')).toBeUndefined();
      expect(await importProofKey(rsa1024, 'RS256')).toBeUndefined();
      expect(await importProofKey({ ...rsa, alg: 'RS256' }, 'PS256')).toBeUndefined();
      expect(
        await importProofKey({ kty: 'EC', crv: 'P-256', x: 'AA', y: 'AA' }, 'ES256'),
      ).toBeUndefined();
      for (const alg of ['HS256', 'none', 'ES256K', 'RSA-OAEP'])
        expect(await importProofKey(rsa, alg), alg).toBeUndefined();
    });

    it('refuses a signature of another padding or encoding than the algorithm names', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const jwk = publicKey.export({ format: 'jwk' }) as JWK;
      const pkcs1 = nodeSigned('RS256', privateKey, 'sha256');
      const pss = nodeSigned('PS256', privateKey, 'sha256', {
        padding: constants.RSA_PKCS1_PSS_PADDING,
        saltLength: 32,
      });
      expect(await verifies('RS256', jwk, pkcs1.input, pkcs1.signature)).toBe(true);
      expect(await verifies('PS256', jwk, pkcs1.input, pkcs1.signature)).toBe(false);
      expect(await verifies('PS256', jwk, pss.input, pss.signature)).toBe(true);
      expect(await verifies('RS256', jwk, pss.input, pss.signature)).toBe(false);
      expect(await verifies('RS384', jwk, pkcs1.input, pkcs1.signature)).toBe(false);

      const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const ecJwk = ec.publicKey.export({ format: 'jwk' }) as JWK;
      const der = nodeSigned('ES256', ec.privateKey, 'sha256');
      const ieee = nodeSigned('ES256', ec.privateKey, 'sha256', { dsaEncoding: 'ieee-p1363' });
      expect(await verifies('ES256', ecJwk, ieee.input, ieee.signature)).toBe(true);
      expect(await verifies('ES256', ecJwk, der.input, der.signature)).toBe(false);
    });
  },
);

describe('the node:crypto probe', () => {
  it('does not take node:crypto for working when it accepts any signature', async () => {
    vi.resetModules();
    vi.doMock('node:crypto', async (original) => ({
      ...(await original<typeof import('node:crypto')>()),
      verify: () => true,
    }));
    try {
      const { importProofKey } = await import('./dpop-signature.js');
      const { jwk, input, signature } = await joseSigned('ES256');
      const key = await importProofKey(jwk, 'ES256');
      expect(await key?.verify(`${input}.${signature}`)).toBe(true);
      expect(await key?.verify(`${input}x.${signature}`)).toBe(false);
    } finally {
      vi.doUnmock('node:crypto');
      vi.resetModules();
    }
  });
});
