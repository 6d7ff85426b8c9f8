import { toJSONSchema, type z } from 'zod';
import type { AuditTargetKind } from './audit.js';
import { AuthError } from './auth-error.js';
import type { AuthInfo } from './auth-info.js';
import type { HandlerContext } from './handler-context.js';
import type {
  CallToolResult,
  GetPromptResult,
  ReadResourceResult,
  ToolAnnotations,
} from './mcp-types.js';
import { createScopePolicy, type ScopePolicy } from './scope-policy.js';

/** The zod schema of a tool's arguments: always an object. */
export type ToolInputSchema = z.ZodObject;

/** A tool, declared once with the scopes it needs. */
export interface ToolDefinition<Input extends ToolInputSchema = ToolInputSchema> {
  name: string;
  title?: string;
  description: string;
  /** Scopes a caller needs, all of them. An empty list: any authenticated caller. */
  scopes: readonly string[];
  /** The arguments; validated before the handler runs. Default: no arguments. */
  input?: Input;
  /** Structured output (`structuredContent`), published as `outputSchema`. */
  output?: z.ZodObject;
  annotations?: ToolAnnotations;
  handler(args: z.output<Input>, context: HandlerContext): CallToolResult | Promise<CallToolResult>;
}

/** A fixed resource, declared once with the scopes needed to see and read it. */
export interface ResourceDefinition {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  scopes: readonly string[];
  read(uri: URL, context: HandlerContext): ReadResourceResult | Promise<ReadResourceResult>;
}

/** A prompt, declared once with the scopes needed to see and get it. */
export interface PromptDefinition<Args extends z.ZodObject = z.ZodObject> {
  name: string;
  title?: string;
  description?: string;
  scopes: readonly string[];
  /** The arguments, string-valued as the protocol requires; optional ones may be left out. */
  arguments?: Args;
  get(args: z.output<Args>, context: HandlerContext): GetPromptResult | Promise<GetPromptResult>;
}

/** Declares a tool, inferring the handler's argument type from `input`. */
export function defineTool<Input extends ToolInputSchema>(
  definition: ToolDefinition<Input>,
): ToolDefinition<Input> {
  return definition;
}

/** Declares a resource. */
export function defineResource(definition: ResourceDefinition): ResourceDefinition {
  return definition;
}

/** Declares a prompt, inferring the handler's argument type from `arguments`. */
export function definePrompt<Args extends z.ZodObject>(
  definition: PromptDefinition<Args>,
): PromptDefinition<Args> {
  return definition;
}

/** Options for {@link createRegistry}. */
export interface RegistryOptions {
  // biome-ignore lint/suspicious/noExplicitAny: definitions of any argument shape are stored together
  tools?: ReadonlyArray<ToolDefinition<any>>;
  resources?: readonly ResourceDefinition[];
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

/** A registered entry with its precomputed listing. */
export interface RegisteredEntry<Definition, Listing> {
  definition: Definition;
  listing: Listing;
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

/**
 * Every tool, resource and prompt of a server with the scopes each needs. Immutable once
 * created: schemas are compiled and listings built once, and every transport shares it.
 */
export interface Registry {
  readonly tools: ReadonlyMap<string, RegisteredEntry<ToolDefinition, ToolListing>>;
  readonly resources: ReadonlyMap<
    string,
    RegisteredEntry<ResourceDefinition, Record<string, unknown>>
  >;
  readonly prompts: ReadonlyMap<string, RegisteredEntry<PromptDefinition, Record<string, unknown>>>;
  readonly policy: ScopePolicy;
  /** Every scope any entry needs, sorted: the `scopes_supported` of the resource metadata. */
  readonly scopes: readonly string[];
  /** Whether `auth` may see and use an entry that needs `required`. */
  allows(required: readonly string[], auth: AuthInfo): boolean;
  /**
   * The refusal for a `tools/call`, `resources/read` or `prompts/get` that `auth` may not
   * make, or `undefined` when allowed, when the target is unknown, or for other methods.
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

function uniqueMap<D, L>(
  kind: string,
  entries: readonly D[],
  keyOf: (definition: D) => string,
  listingOf: (definition: D) => L,
): Map<string, RegisteredEntry<D, L>> {
  const map = new Map<string, RegisteredEntry<D, L>>();
  for (const definition of entries) {
    const key = keyOf(definition);
    if (map.has(key)) throw new Error(`${kind} "${key}" is registered twice`);
    map.set(key, { definition, listing: listingOf(definition) });
  }
  return map;
}

const optional = <K extends string, V>(key: K, value: V | undefined) =>
  (value === undefined ? {} : { [key]: value }) as Partial<Record<K, V>>;

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

/** Builds a {@link Registry}, compiling each schema and listing once. */
export function createRegistry(options: RegistryOptions): Registry {
  const policy = options.scopePolicy ?? createScopePolicy();
  const tools = uniqueMap(
    'tool',
    options.tools ?? [],
    (tool) => tool.name,
    (tool): ToolListing => ({
      name: tool.name,
      ...optional('title', tool.title),
      description: tool.description,
      inputSchema: tool.input
        ? jsonSchemaOf(tool.input, 'input')
        : { type: 'object', properties: {} },
      ...optional('outputSchema', tool.output && jsonSchemaOf(tool.output, 'output')),
      ...optional('annotations', tool.annotations),
    }),
  );
  const resources = uniqueMap(
    'resource',
    options.resources ?? [],
    (resource) => resource.uri,
    (resource) => ({
      uri: resource.uri,
      name: resource.name,
      ...optional('title', resource.title),
      ...optional('description', resource.description),
      ...optional('mimeType', resource.mimeType),
    }),
  );
  const prompts = uniqueMap(
    'prompt',
    options.prompts ?? [],
    (prompt) => prompt.name,
    (prompt) => ({
      name: prompt.name,
      ...optional('title', prompt.title),
      ...optional('description', prompt.description),
      ...optional(
        'arguments',
        prompt.arguments &&
          Object.entries(prompt.arguments.shape).map(([name, schema]) => ({
            name,
            ...optional('description', (schema as z.ZodType).description),
            required: !(schema as z.ZodType).safeParse(undefined).success,
          })),
      ),
    }),
  );

  const scopes = [
    ...new Set(
      [...tools.values(), ...resources.values(), ...prompts.values()].flatMap(
        (entry) => entry.definition.scopes,
      ),
    ),
  ].sort();

  const allows = (required: readonly string[], auth: AuthInfo) =>
    policy.allows(required, auth.scopes);

  const targetOf = (
    request: TargetedRequest,
  ): [AuditTargetKind, string, readonly string[]] | undefined => {
    const params = (request.params ?? {}) as Record<string, unknown>;
    if (request.method === 'tools/call' && typeof params.name === 'string') {
      const tool = tools.get(params.name);
      return tool && ['tool', params.name, tool.definition.scopes];
    }
    if (request.method === 'resources/read' && typeof params.uri === 'string') {
      const resource = resources.get(params.uri);
      return resource && ['resource', params.uri, resource.definition.scopes];
    }
    if (request.method === 'prompts/get' && typeof params.name === 'string') {
      const prompt = prompts.get(params.name);
      return prompt && ['prompt', params.name, prompt.definition.scopes];
    }
    return undefined;
  };

  return {
    tools,
    resources,
    prompts,
    policy,
    scopes,
    allows,
    denialFor(request, auth) {
      const target = targetOf(request);
      if (!target) return undefined;
      const [kind, name, required] = target;
      const missing = policy.missing(required, auth.scopes);
      if (missing.length === 0) return undefined;
      const error = new AuthError(
        'insufficient_scope',
        `${kind} "${name}" needs scope ${missing.join(' ')}`,
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
