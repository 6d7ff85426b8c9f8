import { decodeHeaderValue } from './header-value.js';

/** One tool parameter mirrored into an `Mcp-Param-{name}` header (SEP-2243 `x-mcp-header`). */
export interface ParamHeader {
  /** The lower-cased header name, as Node.js presents it: `mcp-param-region`. */
  header: string;
  /** The chain of `properties` keys from the schema root to the parameter. */
  path: readonly string[];
  type: 'string' | 'integer' | 'boolean';
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The `x-mcp-header` declarations of a tool's input schema, reachable from the root through
 * `properties` only, as the specification allows. Invalid declarations are a programming
 * error and throw, so a tool that clients would drop from their lists never starts.
 */
export function paramHeadersOf(toolName: string, inputSchema: unknown): ParamHeader[] {
  const found: ParamHeader[] = [];
  const seen = new Set<string>();
  const visit = (schema: unknown, path: string[]) => {
    const properties = (schema as { properties?: unknown } | null)?.properties;
    if (properties === null || typeof properties !== 'object') return;
    for (const [key, property] of Object.entries(properties)) {
      if (property === null || typeof property !== 'object') continue;
      const name = (property as Record<string, unknown>)['x-mcp-header'];
      const here = [...path, key];
      if (name !== undefined) {
        const type = (property as { type?: unknown }).type;
        if (typeof name !== 'string' || !TOKEN.test(name))
          throw new TypeError(`tool ${toolName}: x-mcp-header of ${here.join('.')} is not a token`);
        if (type !== 'string' && type !== 'integer' && type !== 'boolean')
          throw new TypeError(
            `tool ${toolName}: x-mcp-header needs a string, integer or boolean parameter (${here.join('.')})`,
          );
        const header = `mcp-param-${name.toLowerCase()}`;
        if (seen.has(header))
          throw new TypeError(`tool ${toolName}: x-mcp-header ${name} is declared twice`);
        seen.add(header);
        found.push({ header, path: here, type });
      }
      visit(property, here);
    }
  };
  visit(inputSchema, []);
  return found;
}

/**
 * Why the `Mcp-Param-*` headers of a `tools/call` disagree with its arguments, or `undefined`
 * when they agree: a value in the body needs its header, and the header (decoded) must equal
 * it; a header without a value in the body is ignored, as for any unknown header. An integer
 * must be written in canonical decimal (`10`, `-3`, `0`: what `String(value)` gives, as the
 * SDK's client sends it): `0x0A`, `1e1`, `+10`, `010`, ` 10` or `10.0` are refused, since a
 * gateway routing on the header may read them otherwise than the server reads the body.
 */
export function paramHeaderMismatch(
  declarations: readonly ParamHeader[],
  args: unknown,
  headerOf: (name: string) => string | undefined,
): string | undefined {
  for (const { header, path, type } of declarations) {
    let value: unknown = args;
    for (const key of path)
      value = value !== null && typeof value === 'object' ? (value as never)[key] : undefined;
    const raw = headerOf(header);
    if (value === undefined || value === null) continue;
    if (raw === undefined) return `the ${header} header is missing`;
    const decoded = decodeHeaderValue(raw);
    if (!decoded.ok) return `the ${header} header ${decoded.reason}`;
    const matches =
      type === 'integer'
        ? Number.isSafeInteger(value) && decoded.value === String(value)
        : type === 'boolean'
          ? decoded.value === String(value)
          : decoded.value === value;
    if (!matches) return `the ${header} header does not match the arguments`;
  }
  return undefined;
}
