/** A parsed `WWW-Authenticate` challenge: its scheme and its parameters. */
export interface ParsedChallenge {
  scheme: string;
  params: Record<string, string>;
}

/** Parses one `WWW-Authenticate` challenge (`Bearer a="…", b="…"`), unescaping quoted values. */
export function parseChallenge(header: string | null | undefined): ParsedChallenge | undefined {
  if (!header) return undefined;
  const space = header.indexOf(' ');
  const scheme = space === -1 ? header : header.slice(0, space);
  const params: Record<string, string> = {};
  const rest = space === -1 ? '' : header.slice(space + 1);
  for (const match of rest.matchAll(/([A-Za-z_]+)="((?:[^"\\]|\\.)*)"/g))
    params[match[1]!] = match[2]!.replace(/\\(.)/g, '$1');
  return { scheme, params };
}
