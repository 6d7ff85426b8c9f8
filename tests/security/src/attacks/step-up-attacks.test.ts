import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AttackTarget, startAttackTarget } from './attack-target.js';
import { parseChallenge } from './bearer-challenge.js';
import { mcpHeaders, post, rpcError } from './json-rpc-http.js';

/** A 2026-07-28 request: the revision in the header and in `_meta`, the method in `Mcp-Method`. */
const modern = (token: string, method: string, params: Record<string, unknown>) => ({
  body: {
    jsonrpc: '2.0',
    id: 33,
    method,
    params: {
      ...params,
      _meta: {
        'io.modelcontextprotocol/protocolVersion': '2026-07-28',
        'io.modelcontextprotocol/clientInfo': { name: 'attacker', version: '1' },
        'io.modelcontextprotocol/clientCapabilities': {},
      },
    },
  },
  headers: mcpHeaders(token, { 'mcp-protocol-version': '2026-07-28', 'mcp-method': method }),
});

interface StepUpCase {
  id: string;
  attack: string;
  method: string;
  params: Record<string, unknown>;
}

/**
 * Methods other than `tools/call` that reach a resource guarded by `files:read`, on 2026-07-28:
 * a caller without the scope must get the HTTP step-up (403, `insufficient_scope` and the
 * scope to ask for in `WWW-Authenticate`), which a client acts on — not a 200 carrying an
 * in-band JSON-RPC error, which it would not.
 */
const CASES: StepUpCase[] = [
  {
    id: 'H-33',
    attack: '2026-07-28 resources/subscribe to a file, token without files:read',
    method: 'resources/subscribe',
    params: { uri: 'file:///notes/canary.txt' },
  },
  {
    id: 'H-34',
    attack: '2026-07-28 completion/complete on the file template, token without files:read',
    method: 'completion/complete',
    params: {
      ref: { type: 'ref/resource', uri: 'file:///{+path}' },
      argument: { name: 'path', value: 'notes/' },
    },
  },
];

describe('scope step-up beyond tools on 2026-07-28 (H-33, H-34)', () => {
  let target: AttackTarget;
  let writeOnly: string;
  beforeAll(async () => {
    target = await startAttackTarget(['--rate-limit', 'off']);
    writeOnly = await target.mint({ scopes: ['files:write', 'files:list'] });
  });
  afterAll(async () => {
    await target?.close();
  });

  it.each(CASES)('$id $attack: 403 with the step-up challenge', async ({ method, params }) => {
    await target.unharmed(async () => {
      const request = modern(writeOnly, method, params);
      const answer = await post(target.server.url, request.body, request.headers);
      expect(answer.status).toBe(403);
      const challenge = parseChallenge(answer.headers.get('www-authenticate'));
      expect(challenge?.scheme).toBe('Bearer');
      expect(challenge?.params.error).toBe('insufficient_scope');
      expect(challenge?.params.scope?.split(' ')).toContain('files:read');
      expect(challenge?.params.resource_metadata).toBe(target.server.metadataUrl);
      expect(rpcError(answer.body)).toMatchObject({
        code: -32001,
        message: 'insufficient_scope',
        data: { required_scopes: ['files:read'] },
      });
    });
  });

  it.each(CASES)(
    '$id control: with files:read the same request is not refused for scope',
    async ({ method, params }) => {
      const request = modern(target.tokens.readOnly, method, params);
      const answer = await post(target.server.url, request.body, request.headers);
      // The file server offers neither method in this revision: past the scope check, the
      // caller learns that, and nothing asks it to step up.
      expect(answer.status).toBe(404);
      expect(answer.headers.get('www-authenticate')).toBeNull();
      expect(rpcError(answer.body)).toEqual({ code: -32601, message: 'Method not found' });
    },
  );
});
