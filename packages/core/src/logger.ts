/** The logging interface Portcullis writes to; a pino logger fits it as it is. */
export interface Logger {
  debug(fields: Record<string, unknown>, message?: string): void;
  info(fields: Record<string, unknown>, message?: string): void;
  warn(fields: Record<string, unknown>, message?: string): void;
  error(fields: Record<string, unknown>, message?: string): void;
}

const LEVELS = ['debug', 'info', 'warn', 'error'] as const;

/** Minimum level a {@link createStderrLogger} writes. */
export type LogLevel = (typeof LEVELS)[number] | 'silent';

/**
 * A logger writing one JSON line per entry to stderr (never stdout, which the stdio transport
 * owns). Entries below `level` are dropped.
 */
export function createStderrLogger(level: LogLevel = 'warn'): Logger {
  const threshold = level === 'silent' ? LEVELS.length : LEVELS.indexOf(level);
  const write = (index: number) => (fields: Record<string, unknown>, message?: string) => {
    if (index < threshold) return;
    const entry = {
      level: LEVELS[index],
      time: new Date().toISOString(),
      ...fields,
      ...(message && { msg: message }),
    };
    process.stderr.write(`${JSON.stringify(entry)}\n`);
  };
  return { debug: write(0), info: write(1), warn: write(2), error: write(3) };
}
