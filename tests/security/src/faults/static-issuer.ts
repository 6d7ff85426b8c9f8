import { type ChildProcess, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { exportJWK, generateKeyPair, SignJWT } from 'jose';

/** An issuer that is only a JWKS, served by its own process; tokens are signed here. */
export interface StaticIssuer {
  /** The issuer (`iss`), also the origin of the JWKS server. */
  issuer: string;
  jwksUri: string;
  /** Signs an RFC 9068 access token as the issuer would issue it. */
  mint(options: {
    audience: string;
    scopes: readonly string[];
    subject?: string;
    expiresIn?: number;
  }): Promise<string>;
  close(): Promise<void>;
}

/** The JWKS server: answers every GET with the JWKS in `JWKS`, prints its port. */
const SERVER = `
  const { createServer } = await import('node:http');
  const body = process.env.JWKS;
  const server = createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'max-age=600' });
    res.end(body);
  });
  server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/**
 * Starts a static issuer: `--issuer ISSUER --jwks-uri JWKS_URI` makes the file server trust it
 * without discovery and without starting its embedded authorization server. The JWKS is served by
 * a child process, so it answers while this process's event loop is held (the kill test steps a
 * server synchronously) and costs nothing per file server start but one small fetch.
 */
export async function startStaticIssuer(): Promise<StaticIssuer> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = randomUUID();
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const child: ChildProcess = spawn(process.execPath, ['--input-type=module', '-e', SERVER], {
    env: { PATH: process.env.PATH ?? '', JWKS: JSON.stringify({ keys: [jwk] }) },
  });
  const exited = new Promise((resolve) => child.once('exit', resolve));
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (chunk) => {
      out += chunk;
      if (out.endsWith('\n')) resolve(Number(out));
    });
    child.once('exit', () => reject(new Error('the JWKS server exited')));
  });
  const issuer = `http://127.0.0.1:${port}`;
  return {
    issuer,
    jwksUri: `${issuer}/jwks`,
    mint: async ({ audience, scopes, subject = 'fault-user', expiresIn = 3600 }) => {
      const iat = Math.floor(Date.now() / 1000);
      return new SignJWT({
        iss: issuer,
        sub: subject,
        aud: audience,
        client_id: 'fault-client',
        scope: scopes.join(' '),
        iat,
        exp: iat + expiresIn,
        jti: randomUUID(),
      })
        .setProtectedHeader({ alg: 'ES256', typ: 'at+jwt', kid })
        .sign(privateKey);
    },
    close: async () => {
      child.kill('SIGKILL');
      await exited;
    },
  };
}
