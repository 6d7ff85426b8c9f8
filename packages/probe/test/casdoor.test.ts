import { afterAll, beforeAll, describe, expect, it } from 'vitest';
// The stand-in of Casdoor's hosted /api/mcp that the client demo is tested against.
import {
  type CasdoorStandIn,
  startCasdoorStandIn,
} from '../../../apps/client-demo/test/casdoor-stand-in.js';
import { formatTerminalReport, type ProbeReport, runProbe } from '../src/index.js';

describe("the probe against the Casdoor stand-in (Casdoor's /api/mcp as its code behaves)", () => {
  let casdoor: CasdoorStandIn;
  let report: ProbeReport;

  beforeAll(async () => {
    casdoor = await startCasdoorStandIn();
    const as = casdoor.authorizationServer;
    const client = await as.registerClient();
    const url = `${casdoor.origin}/api/mcp`;
    report = await runProbe({
      url,
      tokens: {
        expiredToken: await as.mintToken({
          audience: client.clientId,
          scopes: ['read'],
          expiresIn: -60,
        }),
      },
      // Casdoor's token path, found by discovery from the metadata's authorization server.
      client: {
        clientId: client.clientId,
        clientSecret: client.clientSecret!,
        scope: 'application:read',
        broadScope: 'application:read application:write',
      },
      // The stand-in's tools change nothing, so the write tool outside the scopes may be called.
      allowWrites: true,
    });
  });
  afterAll(() => casdoor?.close());

  it.skipIf(!process.env.PROBE_PRINT)('prints the report (PROBE_PRINT=1)', () => {
    process.stdout.write(formatTerminalReport(report, { colour: false }));
  });

  it('finds the 2024-11-05 era only', () => {
    expect(report.eras).toMatchObject({ modern: false, legacy: '2024-11-05', primary: 'legacy' });
  });

  it('reports what Casdoor does and does not do', () => {
    const statuses = Object.fromEntries(report.results.map((result) => [result.id, result.status]));
    expect(statuses).toEqual({
      'metadata.well-known': 'fail',
      'metadata.resource': 'fail',
      'metadata.authorization-servers': 'pass',
      'metadata.fields': 'pass',
      'challenge.no-token': 'pass',
      'challenge.resource-metadata': 'pass',
      'challenge.no-token-list': 'fail',
      'challenge.malformed-token': 'fail',
      'challenge.expired-token': 'fail',
      'token.accepted': 'pass',
      'token.foreign-audience': 'fail',
      'token.id-token': 'not-applicable',
      'token.query-refused': 'fail',
      'scope.list-filtered': 'pass',
      'scope.insufficient-scope': 'fail',
      'dpop.proof-required': 'not-applicable',
      'dpop.replay': 'not-applicable',
      'dpop.wrong-url': 'not-applicable',
      'transport.origin': 'fail',
      'transport.host': 'fail',
      'transport.header-mismatch': 'not-applicable',
      'transport.oversized-body': 'fail',
      'websocket.no-token': 'not-applicable',
      'websocket.origin': 'not-applicable',
      'token.not-echoed': 'pass',
    });
    const scope = report.results.find((result) => result.id === 'scope.insufficient-scope')!;
    expect(scope.summary).toMatch(/in-band \(the -32001 dialect, HTTP 200/);
  });

  it('never sends the session cookie back (the trap that skips scope checks)', () => {
    expect(casdoor.cookiesSet).toBeGreaterThan(0);
    expect(casdoor.cookiesReceived).toEqual([]);
  });
});
