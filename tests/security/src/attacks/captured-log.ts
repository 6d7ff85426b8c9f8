import { Writable } from 'node:stream';
import { type Logger, pino } from 'pino';

/** One structured log line of the server, as pino wrote it. */
export type LogLine = Record<string, unknown> & { msg?: string };

/** A pino logger whose lines are kept in memory, parsed, in the order written. */
export interface CapturedLog {
  readonly logger: Logger;
  readonly lines: readonly LogLine[];
  /** The raw text written so far, to search for secrets that must never be logged. */
  text(): string;
}

/** Creates a logger that keeps every line it writes, for assertions on logs and audit events. */
export function captureLog(): CapturedLog {
  const lines: LogLine[] = [];
  const raw: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      for (const line of chunk.toString('utf8').split('\n')) {
        if (line.trim() === '') continue;
        raw.push(line);
        lines.push(JSON.parse(line) as LogLine);
      }
      done();
    },
  });
  return {
    logger: pino({ level: 'info', base: undefined }, stream),
    lines,
    text: () => raw.join('\n'),
  };
}
