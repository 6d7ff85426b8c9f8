#!/usr/bin/env node
import { DEFAULT_SCOPES, startAuthorizationServer } from './authorization-server.js';
import { DEV_AUTH_HELP, type DevAuthOptions, parseDevAuthOptions } from './dev-auth-options.js';

/** What a person needs to point a server and a client at the running server. */
function banner(
  options: DevAuthOptions,
  server: { issuer: string; tokenEndpoint: string; jwksUri: string; discoveryUrl: string },
  client: { clientId: string; clientSecret: string },
  token: string,
): string {
  const scope = options.scopes.join(' ');
  const casdoor = options.profile === 'casdoor';
  return [
    '',
    `portcullis-dev-auth: development authorization server (${options.profile} profile; tokens vanish when it stops)`,
    `  issuer          ${server.issuer}`,
    `  discovery       ${server.discoveryUrl}`,
    `  token endpoint  ${server.tokenEndpoint}`,
    `  JWKS            ${server.jwksUri}`,
    `  scopes          ${scope || '(defaults only)'}`,
    '',
    `Client credentials (${casdoor ? 'client_secret_post' : 'client_secret_basic or client_secret_post'}):`,
    `  client_id=${client.clientId}  client_secret=${client.clientSecret}  resource=${options.resource}`,
    '',
    `Token (valid ${Math.round(options.ttlSeconds / 3600)} h; the Authorization header is "Bearer <token>"):`,
    `  ${token}`,
    '',
    'More tokens:',
    `  curl -s ${server.tokenEndpoint} -d grant_type=client_credentials -d client_id=${client.clientId} -d client_secret=${client.clientSecret} -d scope="${scope}" -d resource=${options.resource}`,
    '',
    'Your MCP server trusts it with:',
    casdoor
      ? `  createJwtVerifier({ issuers: ['${server.issuer}'], audience: ['${options.resource}', '${client.clientId}'] })\n  (as Casdoor's, a client-credentials token's audience is its client id: name the client)`
      : `  createPortcullis({ resource: '${options.resource}', issuer: '${server.issuer}', registry, server })`,
    '',
    'Stop it with Ctrl+C.',
    '',
  ].join('\n');
}

async function main(): Promise<number> {
  let options: DevAuthOptions;
  try {
    options = parseDevAuthOptions(process.argv.slice(2));
  } catch (error) {
    process.stderr.write(`portcullis-dev-auth: ${(error as Error).message}\n\n${DEV_AUTH_HELP}`);
    return 2;
  }
  if (options.help) {
    process.stdout.write(DEV_AUTH_HELP);
    return 0;
  }
  const server = await startAuthorizationServer({
    profile: options.profile,
    host: options.host,
    port: options.port,
    scopes: [...new Set([...DEFAULT_SCOPES, ...options.scopes])],
    accessTokenTtlSeconds: options.ttlSeconds,
  });
  const client = await server.registerClient({ clientId: options.clientId });
  const { access_token } = await server.clientCredentialsToken({
    clientId: client.clientId,
    clientSecret: client.clientSecret!,
    scope: options.scopes.join(' '),
    resource: options.resource,
  });
  process.stdout.write(
    banner(
      options,
      server,
      { clientId: client.clientId, clientSecret: client.clientSecret! },
      access_token,
    ),
  );
  const stop = () => {
    void server.close().then(() => process.exit(0));
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  return -1;
}

main().then(
  (code) => {
    if (code >= 0) process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`portcullis-dev-auth: ${(error as Error).message}\n`);
    process.exitCode = 1;
  },
);
