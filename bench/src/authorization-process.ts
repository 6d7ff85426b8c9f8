/**
 * The development authorization server (`@portcullis/testing`) in a process of its own, so
 * that oidc-provider's promise hooks slow no contender. Beside it, a bare `node:http` server
 * publishes the same JWKS at `/jwks/<contender>` and counts the fetches of each contender.
 * IPC: `{ type: 'mint', seq, audience, count?, forgedKid?, scopes?, claims? }` answers `{ seq, tokens }`;
 * `{ type: 'jwks-count', seq }` answers `{ seq, counts }`. Sends `{ type: 'ready', issuer,
 * jwksBase }` once listening.
 */
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startAuthorizationServer } from '@portcullis/testing';
import { SCOPE, SUBJECT } from './shared.js';

const as = await startAuthorizationServer({ scopes: [SCOPE] });
const counts: Record<string, number> = {};
const jwks = createServer((req, res) => {
  const name = (req.url ?? '').replace(/^\/jwks\//, '');
  counts[name] = (counts[name] ?? 0) + 1;
  res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(as.jwks()));
});
await new Promise<void>((resolve) => jwks.listen(0, '127.0.0.1', resolve));
const jwksBase = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/jwks`;

interface Request {
  type: string;
  seq: number;
  audience?: string;
  count?: number;
  forgedKid?: boolean;
  /** Default: the one scope the tool needs. */
  scopes?: string[];
  /** Further claims (a DPoP binding, `cnf.jkt`). */
  claims?: Record<string, unknown>;
}

process.on('message', async (message: Request) => {
  if (message.type === 'mint') {
    const tokens: string[] = [];
    for (let i = 0; i < Math.min(message.count ?? 1, 20_000); i += 1)
      tokens.push(
        await as.mintToken({
          audience: message.audience ?? '',
          scopes: message.scopes ?? [SCOPE],
          subject: SUBJECT,
          clientId: 'bench',
          ...(message.claims && { claims: message.claims }),
          // Signed by the real key, but naming a key the JWKS does not publish.
          ...(message.forgedKid && { header: { kid: `forged-${randomUUID()}` } }),
        }),
      );
    process.send?.({ seq: message.seq, tokens });
  } else if (message.type === 'jwks-count') {
    process.send?.({ seq: message.seq, counts: { ...counts } });
  }
});
process.on('disconnect', () => process.exit(0));
process.send?.({ type: 'ready', issuer: as.issuer, jwksBase });
