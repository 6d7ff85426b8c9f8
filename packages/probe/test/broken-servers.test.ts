import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHECK_IDS, type ProbeOptions, runProbe } from '../src/index.js';
import { type BreakingProxy, startBreakingProxy } from './broken/breaking-proxy.js';
import { createFaults } from './broken/faults.js';
import { type FileServerTarget, startFileServerTarget } from './file-server-fixture.js';

describe('deliberately broken servers: each check fails against the one server that breaks it, and only that check', () => {
  let proxy: BreakingProxy;
  let target: FileServerTarget;
  let options: ProbeOptions;
  let faults: ReturnType<typeof createFaults>;

  beforeAll(async () => {
    proxy = await startBreakingProxy();
    const resource = `${proxy.origin}/mcp`;
    target = await startFileServerTarget(['--resource', resource]);
    proxy.upstream = `http://${new URL(target.server.websocketUrl).host}`;
    options = {
      ...target.probeOptions,
      url: resource,
      websocket: `${proxy.origin.replace('http', 'ws')}/mcp/ws`,
      client: { ...target.probeOptions.client!, issuer: target.server.issuer },
    };
    faults = createFaults({
      goodToken: target.probeOptions.tokens!.broadToken!,
      narrowToken: target.probeOptions.tokens!.token!,
      resource,
    });
  });
  afterAll(async () => {
    await proxy?.close();
    await target?.close();
  });

  it('the proxy alone breaks nothing: every check passes through it', async () => {
    proxy.fault = undefined;
    const report = await runProbe(options);
    expect(
      report.results
        .filter((result) => result.status !== 'pass')
        .map((result) => `${result.id}: ${result.summary}`),
    ).toEqual([]);
  });

  it('there is one broken server per check', () => {
    expect(Object.keys(faults).sort()).toEqual([...CHECK_IDS].sort());
  });

  for (const id of CHECK_IDS) {
    it(`${id} fails against a server that breaks it, and no other check does`, async () => {
      proxy.fault = faults[id];
      const report = await runProbe(options);
      const failures = report.results.filter((result) => result.status === 'fail');
      expect(
        failures.map((result) => result.id),
        failures.map((result) => `${result.id}: ${result.summary}`).join('\n'),
      ).toEqual([id]);
      expect(report.ok).toBe(false);
    });
  }
});
