import type { Readable } from 'node:stream';

/** What the line reader hands on: a complete line, or the news that one was too long. */
export type LineEvent = { kind: 'line'; line: string } | { kind: 'overlong'; bytes: number };

/**
 * Splits a byte stream into newline-terminated lines of at most `maxLineBytes`. A longer line
 * is reported once and skipped up to its newline, without buffering it.
 */
export function readLines(
  input: Readable,
  maxLineBytes: number,
  onEvent: (event: LineEvent) => void,
): void {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let skipping = false;

  input.on('data', (chunk: Buffer) => {
    let start = 0;
    while (start < chunk.length) {
      const newline = chunk.indexOf(0x0a, start);
      const end = newline === -1 ? chunk.length : newline;
      const piece = chunk.subarray(start, end);
      if (!skipping) {
        pendingBytes += piece.length;
        if (pendingBytes > maxLineBytes) {
          onEvent({ kind: 'overlong', bytes: pendingBytes });
          pending = [];
          pendingBytes = 0;
          skipping = true;
        } else {
          pending.push(piece);
        }
      }
      if (newline === -1) break;
      if (!skipping) {
        const line = Buffer.concat(pending).toString('utf8').replace(/\r$/, '');
        if (line.trim().length > 0) onEvent({ kind: 'line', line });
      }
      pending = [];
      pendingBytes = 0;
      skipping = false;
      start = newline + 1;
    }
  });
}
