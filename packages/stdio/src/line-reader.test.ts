import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type LineEvent, readLines } from './line-reader.js';

describe('readLines', () => {
  it('joins lines split across chunks, skips blank ones, strips CR, and reports overlong lines once', async () => {
    const input = new PassThrough();
    const events: LineEvent[] = [];
    readLines(input, 10, (event) => events.push(event));
    input.write('{"a":');
    input.write('1}\r\n\n');
    input.write('0123456789ABCDEF');
    input.write('GHIJ\nok\n');
    input.end();
    await new Promise((resolve) => input.once('end', resolve));
    expect(events).toEqual([
      { kind: 'line', line: '{"a":1}' },
      { kind: 'overlong', bytes: 16 },
      { kind: 'line', line: 'ok' },
    ]);
  });
});
