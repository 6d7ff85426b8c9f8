import { type AuthorizationServer, startAuthorizationServer } from '@portcullis/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ProbeReport, runProbe } from '../src/index.js';
import { type SdkReferenceServer, startSdkReferenceServer } from './sdk-reference-server.js';

describe('the probe against the official SDK v2 with requireBearerAuth (what it does and does not do)', () => {
  let as: AuthorizationServer;
  let server: SdkReferenceServer;
  let report: ProbeReport;

  beforeAll(async () => {
    as = await startAuthorizationServer({ scopes: ['files:read', 'files:write'] });
    server = await startSdkReferenceServer(as);
    const client = await as.registerClient();
    report = await runProbe({
      url: server.url,
      tokens: {
        expiredToken: await as.mintToken({
          audience: server.url,
          scopes: ['files:read'],
          expiresIn: -60,
        }),
        idToken: await as.mintToken({
          audience: client.clientId,
          header: { typ: 'JWT' },
          claims: { nonce: 'n' },
        }),
      },
      client: {
        clientId: client.clientId,
        clientSecret: client.clientSecret!,
        scope: 'files:read',
        broadScope: 'files:read files:write',
      },
    });
  });
  afterAll(async () => {
    await server?.close();
    await as?.close();
  });

  it.skipIf(!process.env.PROBE_PRINT)('prints the report (PROBE_PRINT=1)', async () => {
    const { formatTerminalReport } = await import('../src/index.js');
    process.stdout.write(formatTerminalReport(report, { colour: false }));
  });

  const statuses = () =>
    Object.fromEntries(report.results.map((result) => [result.id, result.status]));

  it('serves both eras', () => {
    expect(report.eras).toMatchObject({ modern: true, legacy: '2025-11-25' });
  });

  it('does: the 401 challenge, the metadata, invalid, expired, foreign-audience and ID tokens refused, insufficient_scope', () => {
    expect(statuses()).toMatchObject({
      'challenge.no-token': 'pass',
      'challenge.resource-metadata': 'pass',
      'challenge.no-token-list': 'pass',
      'challenge.malformed-token': 'pass',
      'challenge.expired-token': 'pass',
      'token.accepted': 'pass',
      'token.foreign-audience': 'pass',
      'token.id-token': 'pass',
      'token.query-refused': 'pass',
      'token.not-echoed': 'pass',
      'metadata.well-known': 'pass',
      'metadata.resource': 'pass',
      'metadata.authorization-servers': 'pass',
      'metadata.fields': 'pass',
      'scope.insufficient-scope': 'pass',
      'transport.header-mismatch': 'pass',
    });
  });

  it('does not (as wired by its docs): filter listings by scope, check Origin or Host, DPoP', () => {
    expect(statuses()).toMatchObject({
      'scope.list-filtered': 'fail',
      'transport.origin': 'fail',
      'transport.host': 'fail',
      'dpop.proof-required': 'not-applicable',
    });
    expect(report.ok).toBe(false);
  });

  it('ran no write: the refused call never reached write_file', () => {
    expect(server.ran).not.toContain('write_file');
  });
});
