import { dpopProof } from '@portcullis/testing';
import WebSocket from 'ws';
import {
  eitherForm,
  IN_BAND_TRANSLATION,
  readInBand,
  TWO_CREDENTIALS,
} from '../in-band-refusal.js';
import { openListen } from '../listen-in-band.js';
import type { PolicyTarget } from '../policy-target.js';
import type { Answer, Connected, Connection, Era, TransportDriver } from '../transport-driver.js';
import {
  authenticateRequest,
  credentialHeaders,
  INITIALIZED,
  initializeRequest,
  type RpcAnswer,
  type RpcRequest,
  request,
} from '../wire.js';

const subprotocol = (token: string) => `bearer.${Buffer.from(token).toString('base64url')}`;

/**
 * WebSocket: the credential at the upgrade (an `Authorization` header, with a `DPoP` proof of a
 * GET, or a `bearer.` subprotocol entry), refused with an HTTP status before the socket opens;
 * then each message admitted in band, `portcullis/authenticate` for a fresh token, and close
 * codes when the server ends the connection (4401 expired, 4403 re-authentication refused).
 */
export function websocketDriver(era: Era): TransportDriver {
  const open = async (
    target: PolicyTarget,
    headers: Record<string, string | string[]>,
    protocols: string[],
  ): Promise<Connected> => {
    const opened = await upgrade(target.server.websocketUrl, headers, protocols);
    if (!opened.ok) return opened;
    const { socket } = opened;
    const ended = new Promise<string>((resolve) =>
      socket.once('close', (code, reason) => resolve(`close ${code} ${reason.toString()}`.trim())),
    );
    const gone = ended.then((end): Answer => {
      throw new Error(`the socket closed (${end}) before the listen stream was answered`);
    });
    gone.catch(() => {});
    const send = (message: RpcRequest) =>
      new Promise<Answer>((resolve, reject) => {
        const onMessage = (data: WebSocket.RawData) => {
          const answer = JSON.parse(data.toString()) as RpcAnswer;
          if (answer.id !== message.id) return;
          socket.off('message', onMessage);
          socket.off('close', onClose);
          try {
            resolve(readInBand(answer));
          } catch (error) {
            reject(error);
          }
        };
        const onClose = (code: number) => {
          socket.off('message', onMessage);
          reject(new Error(`the socket closed (${code}) before answering ${message.method}`));
        };
        socket.on('message', onMessage);
        socket.once('close', onClose);
        socket.send(JSON.stringify(message));
      });
    if (era === '2025-06-18') {
      const initialized = await send(initializeRequest());
      if (!initialized.ok) return initialized;
      socket.send(JSON.stringify(INITIALIZED));
    }
    const connection: Connection = {
      call: (method, params) => send(request(era, method, params)),
      async reauthenticate(credential) {
        const proof = credential.dpop
          ? await dpopProof(credential.dpop, {
              method: 'POST',
              url: target.server.websocketUrl,
              accessToken: credential.token,
            })
          : undefined;
        return send(authenticateRequest(credential.token, proof));
      },
      ...(era === '2026-07-28' && {
        listen: (uris: readonly string[]) =>
          openListen(uris, gone, (message, watch) => {
            socket.on('message', (data) => watch(JSON.parse(data.toString()) as RpcAnswer));
            socket.send(JSON.stringify(message));
            return (cancel) => socket.send(JSON.stringify(cancel));
          }),
      }),
      ended,
      async close() {
        if (socket.readyState === WebSocket.CLOSED) return;
        socket.close();
        await ended;
      },
    };
    return { ok: true, connection };
  };

  return {
    name: `WebSocket ${era}`,
    era,
    serverArgs: [],
    // The upgrade is one admission; a 2025 initialize is a message, and every message is counted.
    connectCost: era === '2025-06-18' ? 2 : 1,
    carriesProofs: true,
    reauthenticates: true,
    // At the upgrade, an HTTP status and challenge; on the open socket, a JSON-RPC error.
    translation: {
      ...IN_BAND_TRANSLATION,
      'two-credentials': /^400 Bearer error="invalid_request"/,
      unauthorized: eitherForm(
        /^401 Bearer .*resource_metadata=/,
        IN_BAND_TRANSLATION.unauthorized,
      ),
      'dpop-required': /^401 DPoP .*requires DPoP/,
      'rate-limited': eitherForm(/^429/, IN_BAND_TRANSLATION['rate-limited']),
    },
    twoCredentials: [
      {
        way: 'two Authorization headers',
        connect: (target, first, second) =>
          open(target, { authorization: [`Bearer ${first}`, `Bearer ${second}`] }, ['mcp']),
      },
      {
        way: 'an Authorization header and a bearer. subprotocol',
        connect: (target, first, second) =>
          open(target, { authorization: `Bearer ${first}` }, ['mcp', subprotocol(second)]),
      },
      {
        way: 'two bearer. subprotocols',
        connect: (target, first, second) =>
          open(target, {}, ['mcp', subprotocol(first), subprotocol(second)]),
      },
    ],
    async connect(target, credential) {
      return open(target, await credentialHeaders(credential, 'GET', target.server.websocketUrl), [
        'mcp',
      ]);
    },
  };
}

/**
 * Asks for the upgrade. A refusal is the HTTP answer to it, the same translation as Streamable
 * HTTP: 401 with a challenge, 429 with `Retry-After`, 400 naming two credentials.
 */
function upgrade(
  url: string,
  headers: Record<string, string | string[]>,
  protocols: string[],
): Promise<{ ok: true; socket: WebSocket } | Extract<Connected, { ok: false }>> {
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, protocols, { headers });
    socket.once('open', () => resolve({ ok: true, socket }));
    socket.once('unexpected-response', (_request, response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        text += chunk;
      });
      response.once('end', () => {
        const status = response.statusCode ?? 0;
        const challenge = String(response.headers['www-authenticate'] ?? '');
        const wire = `${status} ${challenge}`.trim();
        const kind =
          status === 400 && text.includes(TWO_CREDENTIALS)
            ? 'two-credentials'
            : status === 401 && /requires DPoP/.test(challenge) && !/Bearer/.test(challenge)
              ? 'dpop-required'
              : status === 401 && /resource_metadata="/.test(challenge)
                ? 'unauthorized'
                : status === 429 && /^\d+$/.test(String(response.headers['retry-after']))
                  ? 'rate-limited'
                  : undefined;
        if (!kind) reject(new Error(`an upgrade refusal no policy row expects: ${wire} ${text}`));
        else resolve({ ok: false, refusal: { kind, wire } });
      });
    });
    socket.once('error', reject);
  });
}
