import fc from 'fast-check';

/** Any UTF-16 code unit, lone surrogates and control characters included. */
const codeUnit = fc.integer({ min: 0, max: 0xffff }).map((code) => String.fromCharCode(code));

/** Strings as an attacker can send them: any code unit, any code point, or plain ASCII. */
export const hostileString = (maxLength = 64) =>
  fc.oneof(
    fc.string({ unit: codeUnit, maxLength }),
    fc.string({ unit: 'binary', maxLength }),
    fc.string({ maxLength }),
  );

/** A JSON-RPC id as sent: valid ones (strings, integers) and invalid ones. */
export const anyId = fc.oneof(
  fc.string({ maxLength: 8 }),
  fc.integer(),
  fc.double(),
  fc.constant(null),
  fc.boolean(),
  fc.constant(undefined),
  fc.object({ maxDepth: 1 }),
);
