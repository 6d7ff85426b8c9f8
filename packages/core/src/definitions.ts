import type { z } from 'zod';
import type { AuthInfo } from './auth-info.js';
import type { HandlerContext } from './handler-context.js';
import type { JsonSchemaObject } from './json-schema.js';
import type {
  CallToolResult,
  GetPromptResult,
  InputRequiredResult,
  ReadResourceResult,
  ToolAnnotations,
} from './mcp-types.js';

/** The zod schema of a tool's arguments: always an object. */
export type ToolInputSchema = z.ZodObject;

/**
 * A tool's arguments as the MCP SDK's `registerTool` takes them: a raw shape such as
 * `{ path: z.string() }`, which Portcullis wraps in `z.object(...)`.
 */
export type ToolInputShape = z.ZodRawShape;

/** The object schema of a tool's `input`, a zod object or a raw shape. */
export type InputObject<Input extends ToolInputSchema | ToolInputShape> =
  Input extends ToolInputSchema ? Input : Input extends ToolInputShape ? z.ZodObject<Input> : never;

/** The handler's `auth` type for a definition's `requireAuth`. */
export type AuthOf<RequireAuth extends boolean> = RequireAuth extends true
  ? AuthInfo
  : AuthInfo | undefined;

/** Declares that a definition's handlers always get a verified caller. */
export interface RequireAuthOption<RequireAuth extends boolean> {
  /**
   * `true`: the handler's `context.auth` is typed `AuthInfo` (never `undefined`), and a server
   * created with authorization off (`verifier: false`) refuses to start with this definition.
   * Write it before the handler, so TypeScript reads it first. Default `false`.
   */
  requireAuth?: RequireAuth;
}

/** Suggests values for one argument of a prompt or resource template (`completion/complete`). */
export type Completer = (
  value: string,
  context: { arguments: Record<string, string> },
) => string[] | Promise<string[]>;

/** A tool, declared once with the scopes it needs. */
export interface ToolDefinition<
  Input extends ToolInputSchema | ToolInputShape = ToolInputSchema,
  RequireAuth extends boolean = boolean,
> extends RequireAuthOption<RequireAuth> {
  name: string;
  title?: string;
  description: string;
  /** Scopes a caller needs, all of them. An empty list: any authenticated caller. */
  scopes: readonly string[];
  /**
   * The arguments as a zod object, or a raw shape as the SDK takes it (`{ n: z.number() }`,
   * wrapped in `z.object`); validated before the handler runs. Default: no arguments.
   */
  input?: Input;
  /**
   * The arguments as a raw JSON Schema instead of `input` (e.g. to publish JSON Schema
   * 2020-12 keywords as they are); compiled once and validated before the handler runs.
   */
  inputSchema?: JsonSchemaObject;
  /** Structured output (`structuredContent`), published as `outputSchema`. */
  output?: z.ZodObject;
  annotations?: ToolAnnotations;
  /**
   * Runs the tool. It may answer `context.inputRequired(...)` to ask the client for more
   * (an elicitation, a sampling, the roots) and is then called again with the answers.
   */
  handler(
    args: z.output<InputObject<Input>>,
    context: HandlerContext<AuthOf<RequireAuth>>,
  ): CallToolResult | InputRequiredResult | Promise<CallToolResult | InputRequiredResult>;
}

/** A fixed resource, declared once with the scopes needed to see and read it. */
export interface ResourceDefinition<RequireAuth extends boolean = boolean>
  extends RequireAuthOption<RequireAuth> {
  uri: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  scopes: readonly string[];
  read(
    uri: URL,
    context: HandlerContext<AuthOf<RequireAuth>>,
  ): ReadResourceResult | InputRequiredResult | Promise<ReadResourceResult | InputRequiredResult>;
}

/** A family of resources named by an RFC 6570 URI template, e.g. `notes://{id}`. */
export interface ResourceTemplateDefinition<RequireAuth extends boolean = boolean>
  extends RequireAuthOption<RequireAuth> {
  uriTemplate: string;
  name: string;
  title?: string;
  description?: string;
  mimeType?: string;
  scopes: readonly string[];
  /** Suggestions for template variables. */
  complete?: Record<string, Completer>;
  read(
    uri: URL,
    variables: Record<string, string>,
    context: HandlerContext<AuthOf<RequireAuth>>,
  ): ReadResourceResult | InputRequiredResult | Promise<ReadResourceResult | InputRequiredResult>;
}

/** A prompt, declared once with the scopes needed to see and get it. */
export interface PromptDefinition<
  Args extends z.ZodObject = z.ZodObject,
  RequireAuth extends boolean = boolean,
> extends RequireAuthOption<RequireAuth> {
  name: string;
  title?: string;
  description?: string;
  scopes: readonly string[];
  /** The arguments, string-valued as the protocol requires; optional ones may be left out. */
  arguments?: Args;
  /** Suggestions for arguments. */
  complete?: Record<string, Completer>;
  get(
    args: z.output<Args>,
    context: HandlerContext<AuthOf<RequireAuth>>,
  ): GetPromptResult | InputRequiredResult | Promise<GetPromptResult | InputRequiredResult>;
}

/**
 * Declares a tool, inferring the handler's argument type from `input` (a zod object or a raw
 * shape) and the type of `context.auth` from `requireAuth`.
 */
export function defineTool<
  Input extends ToolInputSchema | ToolInputShape = ToolInputSchema,
  const RequireAuth extends boolean = false,
>(definition: ToolDefinition<Input, RequireAuth>): ToolDefinition<Input, RequireAuth> {
  return definition;
}

/** Declares a resource; `requireAuth: true` types `context.auth` as `AuthInfo`. */
export function defineResource<const RequireAuth extends boolean = false>(
  definition: ResourceDefinition<RequireAuth>,
): ResourceDefinition<RequireAuth> {
  return definition;
}

/** Declares a resource template; `requireAuth: true` types `context.auth` as `AuthInfo`. */
export function defineResourceTemplate<const RequireAuth extends boolean = false>(
  definition: ResourceTemplateDefinition<RequireAuth>,
): ResourceTemplateDefinition<RequireAuth> {
  return definition;
}

/**
 * Declares a prompt, inferring the handler's argument type from `arguments` and the type of
 * `context.auth` from `requireAuth`.
 */
export function definePrompt<
  Args extends z.ZodObject = z.ZodObject,
  const RequireAuth extends boolean = false,
>(definition: PromptDefinition<Args, RequireAuth>): PromptDefinition<Args, RequireAuth> {
  return definition;
}
