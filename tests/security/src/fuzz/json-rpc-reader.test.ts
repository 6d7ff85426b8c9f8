import { classifyMessage, readMessage } from '@portcullis/core/adapter';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { anyId, hostileString } from './arbitraries.js';
import { RUNS } from './runs.js';

type Kind = 'request' | 'notification' | 'response' | 'invalid';

const isObject = (value: unknown): value is Record<string, unknown> =>
  value !== null && typeof value === 'object' && !Array.isArray(value);
const isValidId = (value: unknown) =>
  typeof value === 'string' || (typeof value === 'number' && Number.isInteger(value));

/** JSON-RPC 2.0 as the specification reads, written apart from the code under test. */
function expectedKind(value: unknown): Kind {
  if (!isObject(value) || value.jsonrpc !== '2.0') return 'invalid';
  if (typeof value.method === 'string') {
    if (
      'params' in value &&
      value.params !== undefined &&
      (value.params === null || typeof value.params !== 'object')
    )
      return 'invalid';
    if (!('id' in value) || value.id === undefined) return 'notification';
    return isValidId(value.id) ? 'request' : 'invalid';
  }
  return isValidId(value.id) && ('result' in value || 'error' in value) ? 'response' : 'invalid';
}

/** Objects shaped like JSON-RPC, each field valid, invalid or absent. */
const messageLike = fc.record(
  {
    jsonrpc: fc.constantFrom('2.0', '1.0', 2, null, ''),
    id: anyId,
    method: fc.oneof(
      fc.constantFrom('tools/call', 'initialize', ''),
      hostileString(12),
      fc.integer(),
    ),
    params: fc.oneof(
      fc.object({ maxDepth: 2 }),
      fc.array(fc.integer()),
      fc.constant(null),
      fc.string(),
      fc.integer(),
    ),
    result: fc.jsonValue({ maxDepth: 2 }),
    error: fc.record({ code: fc.integer(), message: fc.string() }),
  },
  { requiredKeys: [] },
);

/** Texts: arbitrary strings, JSON values, message-like objects, and deep nesting. */
const text = fc.oneof(
  hostileString(200),
  fc.json({ maxDepth: 4 }),
  messageLike.map((message) => JSON.stringify(message)),
  fc
    .tuple(fc.integer({ min: 1, max: 5_000 }), fc.constantFrom('[', '{"a":'))
    .map(
      ([depth, open]) =>
        `{"jsonrpc":"2.0","id":1,"method":"x","params":{"p":${open.repeat(depth)}0${(open === '[' ? ']' : '}').repeat(depth)}}}`,
    ),
);

function parsed(input: string): { ok: true; value: unknown } | { ok: false } {
  try {
    return { ok: true, value: JSON.parse(input) };
  } catch {
    return { ok: false };
  }
}

describe('the JSON-RPC reader (readMessage, classifyMessage)', () => {
  it('never throws, and classifies every line or frame as JSON-RPC 2.0 does', () => {
    fc.assert(
      fc.property(text, (input) => {
        const read = readMessage(input, 'line', 'stdio');
        const json = parsed(input);
        if (!json.ok) {
          expect(read).toMatchObject({
            kind: 'refused',
            notification: false,
            reply: { id: null, error: { code: -32700 } },
          });
          return;
        }
        const value = json.value;
        if (Array.isArray(value)) {
          expect(read).toMatchObject({
            kind: 'refused',
            reply: { id: null, error: { code: -32600 } },
          });
          return;
        }
        const kind = expectedKind(value);
        if (kind === 'invalid') {
          expect(read.kind).toBe('refused');
          if (read.kind !== 'refused') return;
          const id = isObject(value) && isValidId(value.id) ? value.id : null;
          expect(read.reply).toMatchObject({ jsonrpc: '2.0', id, error: { code: -32600 } });
          // Only what was meant as a notification (a method, no id) goes unanswered.
          expect(read.notification).toBe(isObject(value) && 'method' in value && !('id' in value));
          // The reply is JSON a client can read, whatever the input held.
          expect(JSON.parse(JSON.stringify(read.reply))).toEqual(read.reply);
        } else {
          expect(read.kind).toBe('message');
          if (read.kind === 'message') {
            expect(read.message.kind).toBe(kind);
            const message = read.message.message as Record<string, unknown>;
            expect([message.jsonrpc, message.id, message.method]).toEqual([
              (value as Record<string, unknown>).jsonrpc,
              (value as Record<string, unknown>).id,
              (value as Record<string, unknown>).method,
            ]);
          }
        }
      }),
      { numRuns: RUNS },
    );
  });

  it('classifies any JavaScript value without throwing', () => {
    fc.assert(
      fc.property(fc.oneof(fc.anything(), messageLike), (value) => {
        const classified = classifyMessage(value);
        expect(classified.kind).toBe(expectedKind(value));
        if (classified.kind === 'invalid') {
          expect(typeof classified.reason).toBe('string');
          expect(classified.id === null || isValidId(classified.id)).toBe(true);
        }
      }),
      { numRuns: RUNS },
    );
  });
});
