import {
  type OAuthClientProvider,
  UnauthorizedError,
} from '@modelcontextprotocol/sdk/client/auth.js';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type {
  OAuthClientInformationMixed,
  OAuthTokens,
} from '@modelcontextprotocol/sdk/shared/auth.js';
import type { AuditEvent } from '@portcullis/core';
import {
  type AuthorizationServer,
  approveAuthorization,
  startAuthorizationServer,
} from '@portcullis/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningHttpServer } from '../src/index.js';
import { startProtectedServer } from './fixtures.js';

const text = (result: object) => (result as { content: Array<{ text: string }> }).content[0]!.text;

/**
 * An interactive OAuth client as an MCP host would implement it, with the browser played by
 * `approveAuthorization`. `grant` narrows what the user consents to (the scope parameter of the
 * next authorization), to start from a token with fewer scopes than asked.
 */
class BrowserlessOAuthProvider implements OAuthClientProvider {
  readonly redirectUrl = 'http://127.0.0.1:9/callback';
  readonly clientMetadata = {
    client_name: 'browserless',
    redirect_uris: [this.redirectUrl],
    // No refresh_token: on insufficient_scope, SDK 1.32 refreshes (same scopes) when it can, and
    // re-authorizes with the challenged scope only when it cannot.
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
  };
  lastAuthorization: URL | undefined;
  grant: string | undefined;
  #client: OAuthClientInformationMixed | undefined;
  #tokens: OAuthTokens | undefined;
  #verifier = '';

  clientInformation() {
    return this.#client;
  }
  saveClientInformation(client: OAuthClientInformationMixed) {
    this.#client = client;
  }
  tokens() {
    return this.#tokens;
  }
  saveTokens(tokens: OAuthTokens) {
    this.#tokens = tokens;
  }
  redirectToAuthorization(url: URL) {
    this.lastAuthorization = url;
  }
  saveCodeVerifier(verifier: string) {
    this.#verifier = verifier;
  }
  codeVerifier() {
    return this.#verifier;
  }
  /** Approves the last authorization request as the user `stepper`, returning the code. */
  async approve(): Promise<string> {
    const url = new URL(this.lastAuthorization!);
    url.searchParams.set('login_hint', 'stepper');
    if (this.grant) url.searchParams.set('scope', this.grant);
    const callback = await approveAuthorization(url, this.redirectUrl);
    return callback.searchParams.get('code')!;
  }
}

/** Replaces the provider's token by one consented for `provider.grant` only. */
async function narrowScopes(provider: BrowserlessOAuthProvider, serverUrl: string) {
  const transport = new StreamableHTTPClientTransport(new URL(serverUrl), {
    authProvider: provider,
  });
  provider.saveTokens(undefined as unknown as OAuthTokens);
  await new Client({ name: 'narrow', version: '1' }).connect(transport).catch(() => undefined);
  await transport.finishAuth(await provider.approve());
}

describe('the official SDK client over Streamable HTTP', () => {
  let as: AuthorizationServer;
  const servers: RunningHttpServer[] = [];
  const clients: Client[] = [];

  beforeAll(async () => {
    // The SDK's OAuth client registers itself (RFC 7591).
    as = await startAuthorizationServer({ dynamicRegistration: true });
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((client) => client.close()));
    await Promise.all(servers.splice(0).map((server) => server.close({ deadlineMs: 1000 })));
  });
  afterAll(() => as.close());

  async function serve(options: Parameters<typeof startProtectedServer>[1] = {}) {
    const server = await startProtectedServer(as, options);
    servers.push(server);
    return server;
  }

  /** A client whose every request carries the current token of `holder`. */
  async function connect(url: string, holder: { token: string }) {
    const transport = new StreamableHTTPClientTransport(new URL(url), {
      fetch: (input, init) => {
        const headers = new Headers(init?.headers);
        headers.set('authorization', `Bearer ${holder.token}`);
        return fetch(input, { ...init, headers });
      },
    });
    const client = new Client({ name: 'sdk-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return { client, transport };
  }

  const tokenFor = async (
    scopes: string[],
    resource: string,
    subject = 'alice',
    expiresIn?: number,
  ) => as.mintToken({ audience: resource, scopes, subject, expiresIn });

  it('initializes, lists only permitted tools, calls them, and is refused with 403 for the others (stateless)', async () => {
    const server = await serve();
    const { client } = await connect(server.url, {
      token: await tokenFor(['files:read'], server.url),
    });
    expect(client.getServerVersion()).toMatchObject({ name: 'test-files' });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toEqual([
      'read_file',
      'whoami',
      'slow',
    ]);
    expect(text(await client.callTool({ name: 'read_file', arguments: { path: 'a.txt' } }))).toBe(
      'a:alice:read:a.txt',
    );
    const refused = await client
      .callTool({ name: 'write_file', arguments: { path: 'a.txt' } })
      .catch((error: Error) => error);
    expect(refused).toBeInstanceOf(Error);
    expect((refused as Error & { code?: number }).code).toBe(403);
    expect((refused as Error).message).toContain('"message":"insufficient_scope"');
  });

  it('keeps a stateful session, with progress over SSE, and binds it to its identity', async () => {
    const audit: AuditEvent[] = [];
    const server = await serve({ sessions: {}, audit });
    const { client, transport } = await connect(server.url, {
      token: await tokenFor(['files:read'], server.url),
    });
    expect(transport.sessionId).toMatch(/^[0-9a-f-]{36}$/);
    const progress: number[] = [];
    const result = await client.callTool({ name: 'slow', arguments: { ms: 10 } }, undefined, {
      onprogress: (update) => progress.push(update.progress),
    });
    expect(text(result)).toBe('slept 10');
    expect(progress).toEqual([1, 2]);
    expect(server.handler.sessionCount).toBe(1);

    const mallory = await tokenFor(['files:read', 'files:write'], server.url, 'mallory');
    const hijack = await fetch(server.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${mallory}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': transport.sessionId!,
        'mcp-protocol-version': '2025-11-25',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 9,
        method: 'tools/call',
        params: { name: 'whoami' },
      }),
    });
    expect(hijack.status).toBe(404);
    expect(audit).toContainEqual({
      type: 'session_mismatch',
      issuer: as.issuer,
      subject: 'mallory',
      clientId: 'dev-client',
      transport: 'streamable-http',
    });
    expect(text(await client.callTool({ name: 'whoami' }))).toBe('a:alice:files:read');
  });

  it('takes a refreshed token at once and keeps the session; refuses once the token expires', async () => {
    const server = await serve({ sessions: {}, clockToleranceSeconds: 0 });
    const holder = { token: await tokenFor(['files:read'], server.url) };
    const { client, transport } = await connect(server.url, holder);
    const sessionId = transport.sessionId;
    expect((await client.listTools()).tools.map((tool) => tool.name)).not.toContain('write_file');

    const issuedAt = Math.floor(Date.now() / 1000);
    holder.token = await as.mintToken({
      audience: server.url,
      scopes: ['files:read', 'files:write'],
      subject: 'alice',
      issuedAt,
      expiresIn: 3,
    });
    expect((await client.listTools()).tools.map((tool) => tool.name)).toContain('write_file');
    expect(text(await client.callTool({ name: 'write_file', arguments: { path: 'b' } }))).toBe(
      'a:wrote:b',
    );
    expect(transport.sessionId).toBe(sessionId);

    await new Promise((resolve) => setTimeout(resolve, (issuedAt + 3) * 1000 - Date.now() + 100));
    const expired = await client.callTool({ name: 'whoami' }).catch((error: Error) => error);
    expect((expired as Error).message).toMatch(/401|token has expired/);
  });

  it('authorizes and steps up through an SDK OAuthClientProvider (code + PKCE + resource) on 401 and 403', async () => {
    const server = await serve();
    const provider = new BrowserlessOAuthProvider();
    const transport = new StreamableHTTPClientTransport(new URL(server.url), {
      authProvider: provider,
    });
    const client = new Client({ name: 'step-up', version: '1.0.0' });

    await expect(client.connect(transport)).rejects.toBeInstanceOf(UnauthorizedError);
    expect(provider.lastAuthorization?.searchParams.get('resource')).toBe(server.url);
    expect(provider.lastAuthorization?.searchParams.get('scope')).toBe('files:read files:write');
    await transport.finishAuth(await provider.approve());

    const narrow = new StreamableHTTPClientTransport(new URL(server.url), {
      authProvider: provider,
    });
    provider.grant = 'files:read';
    await narrowScopes(provider, server.url);
    await client.connect(narrow);
    clients.push(client);
    expect(text(await client.callTool({ name: 'whoami' }))).toBe('a:stepper:files:read');

    const stepUp = await client
      .callTool({ name: 'write_file', arguments: { path: 'c' } })
      .catch((error: unknown) => error);
    expect(stepUp).toBeInstanceOf(UnauthorizedError);
    expect(provider.lastAuthorization?.searchParams.get('scope')).toBe('files:read files:write');
    provider.grant = undefined;
    await narrow.finishAuth(await provider.approve());
    expect(text(await client.callTool({ name: 'write_file', arguments: { path: 'c' } }))).toBe(
      'a:wrote:c',
    );
    expect(text(await client.callTool({ name: 'whoami' }))).toBe(
      'a:stepper:files:read files:write',
    );
  });

  it('ends a session on DELETE; the id is then unknown', async () => {
    const server = await serve({ sessions: {} });
    const holder = { token: await tokenFor(['files:read'], server.url) };
    const { transport } = await connect(server.url, holder);
    const sessionId = transport.sessionId!;
    await transport.terminateSession();
    expect(server.handler.sessionCount).toBe(0);
    const after = await fetch(server.url, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${holder.token}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
        'mcp-session-id': sessionId,
      },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(after.status).toBe(404);
  });
});
