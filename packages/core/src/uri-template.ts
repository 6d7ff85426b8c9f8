import { UriTemplate } from '@modelcontextprotocol/server';

/** Compiles an RFC 6570 URI template once; the returned function matches URIs against it. */
export function compileUriTemplate(
  template: string,
): (uri: string) => Record<string, string> | undefined {
  const compiled = new UriTemplate(template);
  return (uri) => {
    const variables = compiled.match(uri);
    if (!variables) return undefined;
    return Object.fromEntries(
      Object.entries(variables).map(([name, value]) => [
        name,
        Array.isArray(value) ? value.join(',') : String(value),
      ]),
    );
  };
}
