import { toJSONSchema, type z, object as zodObject } from 'zod';
import type { AuditTargetKind } from './audit.js';
import { AuthError } from './auth-error.js';
import type { AuthInfo } from './auth-info.js';
import type {
  PromptDefinition,
  ResourceDefinition,
  ResourceTemplateDefinition,
  ToolDefinition,
  ToolInputSchema,
  ToolInputShape,
} from './definitions.js';
import { compileJsonSchema } from './json-schema.js';
import type { ToolAnnotations } from './mcp-types.js';
import { type ParamHeader, paramHeadersOf } from './param-headers.js';
import { MAX_RESOURCE_URI_LENGTH } from './resource-uri.js';
import { createScopePolicy, type ScopePolicy } from './scope-policy.js';
import { compileUriTemplate } from './uri-template.js';

/** The zod object of a tool's `input`: itself, or a raw shape wrapped in `z.object`. */
function inputObject(input: ToolInputSchema | ToolInputShape | undefined): z.ZodObject | undefined {
  if (input === undefined) return undefined;
  // A zod schema has safeParse; a raw shape is a plain object of schemas.
  return typeof (input as { safeParse?: unknown }).safeParse === 'function'
    ? (input as z.ZodObject)
    : zodObject(input as ToolInputShape);
}

/** Options for {@link createRegistry}. */
export interface RegistryOptions {
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any argument shape are stored together
  tools?: ReadonlyArray<ToolDefinition<any>>;
  resources?: readonly ResourceDefinition[];
  resourceTemplates?: readonly ResourceTemplateDefinition[];
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any argument shape are stored together
  prompts?: ReadonlyArray<PromptDefinition<any>>;
  /** How granted scopes satisfy requirements, e.g. with Casdoor's shorthand scopes. */
  scopePolicy?: ScopePolicy;
}

/** A tool as listed by `tools/list`, computed once. */
export interface ToolListing {
  name: string;
  title?: string;
  description: string;
  inputSchema: { type: 'object'; [key: string]: unknown };
  outputSchema?: { type: 'object'; [key: string]: unknown };
  annotations?: ToolAnnotations;
}

/** The outcome of validating arguments. */
export type ArgumentCheck = { valid: true; data: unknown } | { valid: false; message: string };

/** A registered entry with its precomputed listing and argument check. */
export interface RegisteredEntry<Definition, Listing> {
  definition: Definition;
  listing: Listing;
  /** Validates arguments against the compiled schema. */
  check: (args: unknown) => ArgumentCheck;
}

/** A registered resource template with its compiled matcher. */
export interface RegisteredTemplate
  extends RegisteredEntry<ResourceTemplateDefinition, Record<string, unknown>> {
  match: (uri: string) => Record<string, string> | undefined;
}

/** Why a request was refused: what it targeted and which scopes were missing. */
export interface ScopeDenial {
  kind: AuditTargetKind;
  /** The tool or prompt name, or the resource URI. */
  target: string;
  requiredScopes: readonly string[];
  missingScopes: readonly string[];
  /** The refusal, ready for `createChallenge` or a JSON-RPC error (its `data`). */
  error: AuthError;
}

/** The JSON-RPC requests whose target the registry guards. */
export interface TargetedRequest {
  method: string;
  params?: unknown;
}

/** A resource a URI names: a fixed one, or a template with the URI's variables. */
export type ResolvedResource =
  | { kind: 'fixed'; entry: RegisteredEntry<ResourceDefinition, Record<string, unknown>> }
  | { kind: 'template'; entry: RegisteredTemplate; variables: Record<string, string> };

/**
 * Every tool, resource (fixed or templated) and prompt of a server with the scopes each needs.
 * Immutable once created: schemas are compiled and listings built once, and every transport
 * shares it.
 */
export interface Registry {
  readonly tools: ReadonlyMap<string, RegisteredEntry<ToolDefinition, ToolListing>>;
  readonly resources: ReadonlyMap<
    string,
    RegisteredEntry<ResourceDefinition, Record<string, unknown>>
  >;
  readonly resourceTemplates: ReadonlyMap<string, RegisteredTemplate>;
  readonly prompts: ReadonlyMap<string, RegisteredEntry<PromptDefinition, Record<string, unknown>>>;
  readonly policy: ScopePolicy;
  /** The `Mcp-Param-*` headers of each tool that declares `x-mcp-header` parameters. */
  readonly toolParamHeaders: ReadonlyMap<string, readonly ParamHeader[]>;
  /** Every scope any entry needs, sorted: the `scopes_supported` of the resource metadata. */
  readonly scopes: readonly string[];
  /** Whether any prompt or template suggests argument values. */
  readonly hasCompletions: boolean;
  /** The fixed resource or template a URI names, if any (none for a URI over `MAX_RESOURCE_URI_LENGTH`). */
  resolveResource(uri: string): ResolvedResource | undefined;
  /** Whether `auth` may see and use an entry that needs `required`. */
  allows(required: readonly string[], auth: AuthInfo): boolean;
  /**
   * The refusal for a `tools/call`, `resources/read` (also subscribe), `prompts/get` or
   * `completion/complete` that `auth` may not make, or `undefined` when allowed, when the
   * target is unknown, or for other methods.
   */
  denialFor(request: TargetedRequest, auth: AuthInfo): ScopeDenial | undefined;
}

function jsonSchemaOf(schema: z.ZodObject, io: 'input' | 'output') {
  const { $schema: _dialect, ...rest } = toJSONSchema(schema, {
    io,
    unrepresentable: 'any',
  }) as Record<string, unknown>;
  return { ...rest, type: 'object' as const };
}

const zodCheck =
  (schema: z.ZodType | undefined) =>
  (args: unknown): ArgumentCheck => {
    if (!schema) return { valid: true, data: args };
    const parsed = schema.safeParse(args);
    if (parsed.success) return { valid: true, data: parsed.data };
    return {
      valid: false,
      message: parsed.error.issues
        .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`)
        .join('; '),
    };
  };

function uniqueMap<D, E>(
  kind: string,
  entries: readonly D[],
  keyOf: (definition: D) => string,
  entryOf: (definition: D) => E,
): Map<string, E> {
  const map = new Map<string, E>();
  for (const definition of entries) {
    const key = keyOf(definition);
    if (map.has(key)) throw new Error(`${kind} "${key}" is registered twice`);
    map.set(key, entryOf(definition));
  }
  return map;
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

const describe = (definition: { title?: string; description?: string; mimeType?: string }) => ({
  ...optional('title', definition.title),
  ...optional('description', definition.description),
  ...optional('mimeType', definition.mimeType),
});

/** Data of an `insufficient_scope` error: Casdoor's shape, plus every required scope. */
export function insufficientScopeData(
  kind: AuditTargetKind,
  target: string,
  required: readonly string[],
  missing: readonly string[],
  granted: readonly string[],
) {
  return {
    [kind]: target,
    required_scope: missing[0],
    required_scopes: [...required],
    granted_scopes: [...granted],
  };
}

/** Builds a {@link Registry}, compiling each schema, template and listing once. */
export function createRegistry(options: RegistryOptions): Registry {
  const policy = options.scopePolicy ?? createScopePolicy();
  const tools = uniqueMap(
    'tool',
    options.tools ?? [],
    (tool) => tool.name,
    (tool) => {
      if (tool.input && tool.inputSchema)
        throw new Error(`tool "${tool.name}" has both input and inputSchema; give one`);
      const input = inputObject(tool.input);
      const raw = tool.inputSchema && compileJsonSchema(tool.inputSchema);
      const listing: ToolListing = {
        name: tool.name,
        ...optional('title', tool.title),
        description: tool.description,
        inputSchema:
          tool.inputSchema ??
          (input ? jsonSchemaOf(input, 'input') : { type: 'object', properties: {} }),
        ...optional('outputSchema', tool.output && jsonSchemaOf(tool.output, 'output')),
        ...optional('annotations', tool.annotations),
      };
      const check = raw ? (args: unknown): ArgumentCheck => raw(args) : zodCheck(input);
      return { definition: tool as ToolDefinition, listing, check };
    },
  );
  const resources = uniqueMap(
    'resource',
    options.resources ?? [],
    (resource) => resource.uri,
    (resource) => ({
      definition: resource,
      listing: { uri: resource.uri, name: resource.name, ...describe(resource) },
      check: zodCheck(undefined),
    }),
  );
  const resourceTemplates = uniqueMap(
    'resource template',
    options.resourceTemplates ?? [],
    (template) => template.uriTemplate,
    (template) => ({
      definition: template,
      listing: { uriTemplate: template.uriTemplate, name: template.name, ...describe(template) },
      check: zodCheck(undefined),
      match: compileUriTemplate(template.uriTemplate),
    }),
  );
  const prompts = uniqueMap(
    'prompt',
    options.prompts ?? [],
    (prompt) => prompt.name,
    (prompt) => ({
      definition: prompt as PromptDefinition,
      listing: {
        name: prompt.name,
        ...describe(prompt),
        ...optional(
          'arguments',
          prompt.arguments &&
            Object.entries(prompt.arguments.shape).map(([name, schema]) => ({
              name,
              ...optional('description', (schema as z.ZodType).description),
              required: !(schema as z.ZodType).safeParse(undefined).success,
            })),
        ),
      },
      check: zodCheck(prompt.arguments),
    }),
  );

  const everything = [
    ...tools.values(),
    ...resources.values(),
    ...resourceTemplates.values(),
    ...prompts.values(),
  ];
  const scopes = [...new Set(everything.flatMap((entry) => entry.definition.scopes))].sort();
  const hasCompletions = [...prompts.values(), ...resourceTemplates.values()].some(
    (entry) => entry.definition.complete !== undefined,
  );

  const resolveResource = (uri: string): ResolvedResource | undefined => {
    if (uri.length > MAX_RESOURCE_URI_LENGTH) return undefined;
    const fixed = resources.get(uri);
    if (fixed) return { kind: 'fixed', entry: fixed };
    for (const entry of resourceTemplates.values()) {
      const variables = entry.match(uri);
      if (variables) return { kind: 'template', entry, variables };
    }
    return undefined;
  };

  const targetOf = (
    request: TargetedRequest,
  ): [AuditTargetKind, string, readonly string[]] | undefined => {
    const params = (request.params ?? {}) as Record<string, unknown>;
    switch (request.method) {
      case 'tools/call': {
        const tool = typeof params.name === 'string' ? tools.get(params.name) : undefined;
        return tool && ['tool', tool.definition.name, tool.definition.scopes];
      }
      case 'resources/read':
      case 'resources/subscribe': {
        const resource = typeof params.uri === 'string' ? resolveResource(params.uri) : undefined;
        return resource && ['resource', params.uri as string, resource.entry.definition.scopes];
      }
      case 'prompts/get': {
        const prompt = typeof params.name === 'string' ? prompts.get(params.name) : undefined;
        return prompt && ['prompt', prompt.definition.name, prompt.definition.scopes];
      }
      case 'completion/complete': {
        const ref = (params.ref ?? {}) as { type?: string; name?: string; uri?: string };
        if (ref.type === 'ref/prompt')
          return targetOf({ method: 'prompts/get', params: { name: ref.name } });
        const template = typeof ref.uri === 'string' ? resourceTemplates.get(ref.uri) : undefined;
        return template && ['resource', ref.uri as string, template.definition.scopes];
      }
      default:
        return undefined;
    }
  };

  const toolParamHeaders = new Map<string, readonly ParamHeader[]>();
  for (const [name, tool] of tools) {
    const declared = paramHeadersOf(name, tool.listing.inputSchema);
    if (declared.length > 0) toolParamHeaders.set(name, declared);
  }

  return {
    tools,
    resources,
    resourceTemplates,
    prompts,
    policy,
    toolParamHeaders,
    scopes,
    hasCompletions,
    resolveResource,
    allows: (required, auth) => policy.allows(required, auth.scopes),
    denialFor(request, auth) {
      const target = targetOf(request);
      if (!target) return undefined;
      const [kind, name, required] = target;
      const missing = policy.missing(required, auth.scopes);
      if (missing.length === 0) return undefined;
      const error = new AuthError(
        'insufficient_scope',
        // Single quotes: a double quote would be escaped in the challenge's quoted-string,
        // which some clients' parsers cut short (the SDK v2 client reads `tool \`).
        `${kind} '${name}' needs scope ${missing.join(' ')}`,
        {
          requiredScopes: required,
          grantedScopes: auth.scopes,
          data: insufficientScopeData(kind, name, required, missing, auth.scopes),
        },
      );
      return { kind, target: name, requiredScopes: required, missingScopes: missing, error };
    },
  };
}
