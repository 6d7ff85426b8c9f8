import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { afterEach, describe, expect, it } from 'vitest';

const cli = fileURLToPath(new URL('./dev-auth-cli.ts', import.meta.url));
const cwd = fileURLToPath(new URL('..', import.meta.url));
const RESOURCE = 'http://127.0.0.1:8080/mcp';
const children: ChildProcessWithoutNullStreams[] = [];

/** Runs `portcullis-dev-auth` from its source; resolves once stdout matches `until`, or at exit. */
function devAuth(args: string[], until?: RegExp) {
  const child = spawn(
    process.execPath,
    ['--conditions=@portcullis/source', '--import', 'tsx', cli, ...args],
    { cwd },
  );
  children.push(child);
  let stdout = '';
  let stderr = '';
  return new Promise<{ stdout: string; stderr: string; code: number | null }>((resolve) => {
    child.stdout.on('data', (chunk) => {
      stdout += chunk;
      if (until?.test(stdout)) resolve({ stdout, stderr, code: null });
    });
    child.stderr.on('data', (chunk) => {
      stderr += chunk;
    });
    child.on('close', (code) => resolve({ stdout, stderr, code }));
  });
}

afterEach(() => {
  for (const child of children.splice(0)) child.kill('SIGTERM');
});

const field = (stdout: string, name: string) =>
  new RegExp(`^ {2}${name} +(\\S+)$`, 'm').exec(stdout)?.[1];
const printedToken = (stdout: string) => /^Token .*\n {2}(\S+)$/m.exec(stdout)?.[1];

/** Verifies a printed token against the printed issuer's published keys. */
async function verify(stdout: string, audience: string) {
  const issuer = field(stdout, 'issuer')!;
  const keys = createRemoteJWKSet(new URL(field(stdout, 'JWKS')!));
  return (await jwtVerify(printedToken(stdout)!, keys, { issuer, audience })).payload;
}

describe('portcullis-dev-auth, as a child process', () => {
  it('prints the issuer, client credentials and a token for the resource and scopes', async () => {
    const { stdout, stderr } = await devAuth(
      ['--scopes', 'notes:read,notes:write', '--resource', RESOURCE],
      /Stop it with Ctrl\+C/,
    );
    const issuer = field(stdout, 'issuer');
    expect(issuer, stderr).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const claims = await verify(stdout, RESOURCE);
    expect(claims.scope).toBe('notes:read notes:write');
    expect(claims.client_id).toBe('dev-client');
    expect(stdout).toContain(`createPortcullis({ resource: '${RESOURCE}', issuer: '${issuer}'`);

    // The printed credentials get more tokens from the printed token endpoint.
    const [, clientId, clientSecret] = /client_id=(\S+) +client_secret=(\S+)/.exec(stdout)!;
    const response = await fetch(field(stdout, 'token endpoint')!, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: clientId!,
        client_secret: clientSecret!,
        scope: 'notes:read',
        resource: RESOURCE,
      }),
    });
    expect(response.status).toBe(200);
  });

  it('--profile casdoor: Casdoor-shaped tokens, and how to accept them', async () => {
    const { stdout } = await devAuth(
      ['--profile', 'casdoor', '--scopes', 'notes:read', '--resource', RESOURCE],
      /Stop it with Ctrl\+C/,
    );
    // As Casdoor's, a client-credentials token's audience is the client id.
    const claims = await verify(stdout, 'dev-client');
    expect(claims.scope).toBe('notes:read');
    expect(claims.azp).toBe('dev-client');
    expect(stdout).toContain(`audience: ['${RESOURCE}', 'dev-client']`);
  });

  it('--help answers, and a missing --resource is a usage error that says so', async () => {
    const help = await devAuth(['--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/^portcullis-dev-auth: /);
    expect(help.stdout).toMatch(/^Options:$/m);
    const missing = await devAuth(['--scopes', 'notes:read']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^portcullis-dev-auth: --resource is required/);
  });
});
