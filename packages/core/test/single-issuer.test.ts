import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createJwtVerifier, createPortcullis, createRegistry, defineTool } from '../src/index.js';
import { admittedAuth, refusalOf, requestEntry } from './helpers.js';

const RESOURCE = 'https://notes.example.test/mcp';
const registry = createRegistry({
  tools: [
    defineTool({
      name: 'read_note',
      description: 'r',
      scopes: ['notes:read'],
      handler: () => ({ content: [] }),
    }),
  ],
});
const server = { name: 'notes', version: '1.0.0' };

describe('createPortcullis({ resource, issuer, registry, server }): the one-issuer form', () => {
  let as: AuthorizationServer;
  beforeAll(async () => {
    as = await startAuthorizationServer({ scopes: ['notes:read'] });
  });
  afterAll(() => as.close());

  it("verifies the issuer's JWTs for the resource and lists the issuer in the metadata", async () => {
    const portcullis = createPortcullis({
      resource: RESOURCE,
      issuer: as.issuer,
      registry,
      server,
    });
    expect(portcullis.metadata?.document.authorization_servers).toEqual([as.issuer]);
    const token = await as.mintToken({ scopes: ['notes:read'], audience: RESOURCE });
    const auth = admittedAuth(await portcullis.admit(requestEntry(`Bearer ${token}`)));
    expect(auth).toMatchObject({ issuer: as.issuer, scopes: ['notes:read'] });
  });

  it('refuses a token of the same issuer for another audience', async () => {
    const portcullis = createPortcullis({
      resource: RESOURCE,
      issuer: as.issuer,
      registry,
      server,
    });
    const token = await as.mintToken({
      scopes: ['notes:read'],
      audience: 'https://other.test/mcp',
    });
    expect(refusalOf(await portcullis.admit(requestEntry(`Bearer ${token}`)))).toMatchObject({
      code: 'invalid_token',
    });
  });

  it('refuses a token of another issuer', async () => {
    const other = await startAuthorizationServer({ scopes: ['notes:read'] });
    try {
      const portcullis = createPortcullis({
        resource: RESOURCE,
        issuer: as.issuer,
        registry,
        server,
      });
      const token = await other.mintToken({ scopes: ['notes:read'], audience: RESOURCE });
      expect(refusalOf(await portcullis.admit(requestEntry(`Bearer ${token}`)))).toMatchObject({
        code: 'invalid_token',
      });
    } finally {
      await other.close();
    }
  });

  it('refuses issuer and verifier together, and neither, saying what to give', () => {
    const verifier = createJwtVerifier({ issuers: [as.issuer], audience: RESOURCE });
    expect(() =>
      createPortcullis({ resource: RESOURCE, issuer: as.issuer, verifier, registry, server }),
    ).toThrow(/`issuer` or `verifier`, not both/);
    expect(() => createPortcullis({ resource: RESOURCE, registry, server })).toThrow(
      /needs `issuer`.*or `verifier`/,
    );
  });
});
