import { request as httpRequest } from 'node:http';
import { readInBand, readListenOpening, TWO_CREDENTIALS } from '../in-band-refusal.js';
import type { PolicyTarget } from '../policy-target.js';
import type {
  Answer,
  Connected,
  Connection,
  Era,
  Refusal,
  TransportDriver,
} from '../transport-driver.js';
import {
  credentialHeaders,
  INITIALIZED,
  initializeRequest,
  listenRequest,
  type RpcAnswer,
  request,
} from '../wire.js';

/** The body field `Mcp-Name` mirrors on 2026-07-28, per method. */
const NAME_FIELD: Readonly<Record<string, string>> = {
  'tools/call': 'name',
  'prompts/get': 'name',
  'resources/read': 'uri',
};

/**
 * Streamable HTTP, one request per call: 2026-07-28 (the revision in headers and `_meta`),
 * 2025 stateless, or 2025 with sessions (`--sessions`: `initialize`, then `Mcp-Session-Id`).
 */
export function streamableHttpDriver(era: Era, mode: 'stateless' | 'sessions'): TransportDriver {
  const sessions = mode === 'sessions';
  const connect = async (
    target: PolicyTarget,
    headersOf: (method: string) => Promise<Record<string, string>>,
  ): Promise<Connected> => {
    const sessionHeaders: Record<string, string> = {};
    const send = async (message: object, method: string) =>
      fetch(target.server.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'application/json, text/event-stream',
          ...(era === '2026-07-28'
            ? modernHeaders(message as { method: string; params?: Record<string, unknown> })
            : { 'mcp-protocol-version': '2025-06-18' }),
          ...sessionHeaders,
          ...(await headersOf(method)),
        },
        body: JSON.stringify(message),
      });
    const call = async (method: string, params: Record<string, unknown> = {}) => {
      const message = request(era, method, params);
      return readHttp(await send(message, 'POST'), message.id);
    };
    if (sessions) {
      const init = initializeRequest();
      const response = await send(init, 'POST');
      const opened = await readHttp(response, init.id);
      if (!opened.ok) return opened;
      sessionHeaders['mcp-session-id'] = response.headers.get('mcp-session-id') ?? '';
      const initialized = await send(INITIALIZED, 'POST');
      await initialized.arrayBuffer();
      if (initialized.status !== 202) throw new Error(`initialized: ${initialized.status}`);
    }
    const connection: Connection = {
      call,
      ...(era === '2026-07-28' && {
        listen: async (uris: readonly string[]) => {
          const message = listenRequest(uris);
          const controller = new AbortController();
          const response = await fetch(target.server.url, {
            method: 'POST',
            signal: controller.signal,
            headers: {
              'content-type': 'application/json',
              accept: 'application/json, text/event-stream',
              ...modernHeaders(message),
              ...(await headersOf('POST')),
            },
            body: JSON.stringify(message),
          });
          const close = () => controller.abort();
          if (!response.headers.get('content-type')?.startsWith('text/event-stream'))
            return {
              opened: await readHttp(response, message.id),
              ended: new Promise(() => {}),
              close,
            };
          const next = sseMessages(response);
          const opened = readListenOpening(await next());
          const ended = opened.ok ? next().then(readInBand) : Promise.resolve(opened);
          ended.catch(() => {});
          return { opened, ended, close };
        },
      }),
      ended: new Promise(() => {}),
      async close() {
        if (!sessions) return;
        const response = await fetch(target.server.url, {
          method: 'DELETE',
          headers: { ...sessionHeaders, ...(await headersOf('DELETE')) },
        });
        await response.arrayBuffer();
      },
    };
    return { ok: true, connection };
  };

  return {
    name: `Streamable HTTP ${era}${era === '2025-06-18' ? ` ${mode}` : ''}`,
    era,
    serverArgs: sessions ? ['--sessions'] : [],
    // A 2025 session's initialize and its notification are two requests; otherwise nothing.
    connectCost: sessions ? 2 : 0,
    carriesProofs: true,
    reauthenticates: false,
    translation: HTTP_TRANSLATION,
    twoCredentials: [
      {
        way: 'two Authorization headers',
        connect: async (target, first, second) => {
          const message = sessions ? initializeRequest() : request(era, 'tools/list');
          const answer = await rawPost(target.server.url, message, {
            'content-type': 'application/json',
            accept: 'application/json, text/event-stream',
            authorization: [`Bearer ${first}`, `Bearer ${second}`],
            ...(era === '2026-07-28' ? modernHeaders(message) : {}),
          });
          const read = await readHttp(answer, message.id);
          if (read.ok) return { ok: true, connection: unusable };
          return read;
        },
      },
    ],
    connect(target, credential) {
      return connect(target, async (method) =>
        credentialHeaders(credential, method, target.server.url),
      );
    },
  };
}

/** Each refusal as an HTTP status and challenge, or in band on a stream already answered 200. */
const HTTP_TRANSLATION = {
  'two-credentials': /^400 Bearer error="invalid_request"/,
  // An open listen stream has already answered 200: its end at expiry is in band.
  unauthorized: /^401 Bearer .*resource_metadata=|^-32001 Unauthorized "token has expired"$/,
  'dpop-required': /^401 DPoP .*requires DPoP/,
  'rate-limited': /^429/,
  'insufficient-scope': /^403 Bearer error="insufficient_scope", scope="/,
  'limit-reached': /^-32000 too many open subscriptions\/listen streams: at most \d+ per identity/,
} as const;

function modernHeaders(message: { method: string; params?: Record<string, unknown> }) {
  const field = NAME_FIELD[message.method];
  const name = field === undefined ? undefined : message.params?.[field];
  return {
    'mcp-protocol-version': '2026-07-28',
    'mcp-method': message.method,
    ...(typeof name === 'string' && { 'mcp-name': name }),
  };
}

/**
 * Reads an HTTP answer: a JSON or SSE body carrying the JSON-RPC answer, or a refusal whose
 * translation is an HTTP status with its challenge: 401 `Bearer`/`DPoP` `invalid_token` (or
 * only `DPoP` when a proof is required), 403 `insufficient_scope` with `scope`, 429 with
 * `Retry-After`, 400 `invalid_request` naming two credentials.
 */
async function readHttp(response: Response, id: number | string): Promise<Answer> {
  const text = await response.text();
  const challenge = response.headers.get('www-authenticate') ?? '';
  const wire = `${response.status} ${challenge}`.trim();
  const refused = (kind: Refusal['kind']): Answer => ({ ok: false, refusal: { kind, wire } });
  switch (response.status) {
    case 200:
      return readInBand(bodyAnswer(text, response.headers.get('content-type') ?? '', id));
    case 400:
      if (/error="invalid_request"/.test(challenge) && text.includes(TWO_CREDENTIALS))
        return refused('two-credentials');
      break;
    case 401:
      if (/requires DPoP/.test(challenge) && !/^Bearer|, Bearer/.test(challenge))
        return refused('dpop-required');
      if (/resource_metadata="/.test(challenge)) return refused('unauthorized');
      break;
    case 403:
      if (/error="insufficient_scope"/.test(challenge) && /scope="/.test(challenge))
        return refused('insufficient-scope');
      break;
    case 429:
      if (/^\d+$/.test(response.headers.get('retry-after') ?? '')) return refused('rate-limited');
      break;
  }
  throw new Error(`an HTTP answer no policy row expects: ${wire} ${text.slice(0, 300)}`);
}

function bodyAnswer(text: string, contentType: string, id: number | string): RpcAnswer {
  if (!contentType.startsWith('text/event-stream')) return JSON.parse(text) as RpcAnswer;
  for (const line of text.split('\n')) {
    if (!line.startsWith('data:')) continue;
    const message = JSON.parse(line.slice(5)) as RpcAnswer;
    if (message.id === id) return message;
  }
  throw new Error(`no answer to ${id} in the event stream: ${text.slice(0, 300)}`);
}

/** A connection accepted where the row expected a refusal: the row fails on `ok`, never uses it. */
const unusable: Connection = {
  call: () => Promise.reject(new Error('not a connection')),
  ended: new Promise(() => {}),
  close: async () => {},
};

/**
 * POSTs `message` with node:http, which (unlike fetch) sends a header given as an array as
 * several header lines, and reads the answer as a fetch `Response`.
 */
function rawPost(
  url: string,
  message: object,
  headers: Record<string, string | string[]>,
): Promise<Response> {
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(url, { method: 'POST', headers }, (incoming) => {
      const chunks: Buffer[] = [];
      incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
      incoming.once('end', () => {
        const answerHeaders = new Headers();
        for (const [name, value] of Object.entries(incoming.headers))
          if (value !== undefined) answerHeaders.set(name, String(value));
        resolve(
          new Response(Buffer.concat(chunks), {
            status: incoming.statusCode ?? 0,
            headers: answerHeaders,
          }),
        );
      });
    });
    outgoing.once('error', reject);
    outgoing.end(JSON.stringify(message));
  });
}

/** Reads JSON-RPC messages off an SSE response, one at a time; throws once the stream ended. */
function sseMessages(response: Response): () => Promise<RpcAnswer & { method?: string }> {
  const reader = response.body!.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = '';
  return async () => {
    for (;;) {
      const end = buffered.indexOf('\n\n');
      if (end !== -1) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = event
          .split('\n')
          .filter((line) => line.startsWith('data:'))
          .map((line) => line.slice(5))
          .join('\n');
        if (data.trim() !== '') return JSON.parse(data) as RpcAnswer & { method?: string };
        continue;
      }
      const { done, value } = await reader.read();
      if (done) throw new Error('the listen stream ended without an answer');
      buffered += value;
    }
  };
}
