import {
  definePrompt,
  defineTool,
  type HandlerContext,
  type InputRequest,
  type InputRequests,
  type PromptDefinition,
  type ToolDefinition,
} from '@portcullis/core';
import { CONFORMANCE_SCOPES } from './conformance-scopes.js';

const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/** An `elicitation/create` input request for one required field. */
function elicitation(
  message: string,
  field: string,
  property: { type: 'string' } | { type: 'boolean' } = { type: 'string' },
): InputRequest {
  return {
    method: 'elicitation/create',
    params: {
      message,
      requestedSchema: {
        type: 'object',
        properties: { [field]: property },
        required: [field],
      },
    },
  };
}

/** A `sampling/createMessage` input request for one user message. */
function sampling(prompt: string, maxTokens: number): InputRequest {
  return {
    method: 'sampling/createMessage',
    params: { messages: [{ role: 'user', content: { type: 'text', text: prompt } }], maxTokens },
  };
}

const ROOTS: InputRequest = { method: 'roots/list', params: {} };

/** The content of an accepted elicitation answer, or `undefined` for anything else. */
function accepted(answer: unknown): Record<string, unknown> | undefined {
  if (answer === null || typeof answer !== 'object') return undefined;
  const { action, content } = answer as { action?: unknown; content?: unknown };
  if (action !== 'accept' || content === null || typeof content !== 'object') return undefined;
  return content as Record<string, unknown>;
}

/** The text a sampling answer carries, or `undefined`. */
function sampledText(answer: unknown): string | undefined {
  const content = (answer as { content?: { type?: unknown; text?: unknown } } | null)?.content;
  return content?.type === 'text' && typeof content.text === 'string' ? content.text : undefined;
}

/** How many roots a `roots/list` answer names, or `undefined`. */
function rootCount(answer: unknown): number | undefined {
  const roots = (answer as { roots?: unknown } | null)?.roots;
  return Array.isArray(roots) ? roots.length : undefined;
}

/** The state this handler sealed in its previous round, if it was an object. */
function stateOf(context: HandlerContext): Record<string, unknown> | undefined {
  const state = context.requestState;
  return state !== null && typeof state === 'object'
    ? (state as Record<string, unknown>)
    : undefined;
}

const ask = (name: string, description: string, handler: ToolDefinition['handler']) =>
  defineTool({ name, description, scopes: [CONFORMANCE_SCOPES.tools], handler });

/**
 * The multi round-trip fixtures (SEP-2322): each answers `input_required` through
 * {@link HandlerContext.inputRequired} until the client sends the answers it needs, and
 * re-asks for anything missing or malformed. Their state is sealed by the core, so a tampered
 * `requestState` is refused before a handler runs.
 */
export const inputRequiredTools: ToolDefinition[] = [
  ask(
    'test_input_required_result_elicitation',
    'MRTR: returns InputRequiredResult with elicitation request',
    (_args, context) => {
      const answer = accepted(context.inputResponses?.user_name);
      if (!answer)
        return context.inputRequired({ user_name: elicitation('What is your name?', 'name') });
      return text(`Hello, ${typeof answer.name === 'string' ? answer.name : 'unknown'}!`);
    },
  ),
  ask(
    'test_input_required_result_sampling',
    'MRTR: returns InputRequiredResult with sampling request',
    (_args, context) => {
      const answer = sampledText(context.inputResponses?.capital_question);
      if (answer === undefined)
        return context.inputRequired({
          capital_question: sampling('What is the capital of France?', 100),
        });
      return text(`Sampling result: ${answer}`);
    },
  ),
  ask(
    'test_input_required_result_list_roots',
    'MRTR: returns InputRequiredResult with roots/list request',
    (_args, context) => {
      const count = rootCount(context.inputResponses?.client_roots);
      if (count === undefined) return context.inputRequired({ client_roots: ROOTS });
      return text(`Found ${count} root(s)`);
    },
  ),
  ask(
    'test_input_required_result_request_state',
    'MRTR: returns InputRequiredResult with requestState',
    (_args, context) => {
      const confirmed = accepted(context.inputResponses?.confirm)?.ok === true;
      if (confirmed && stateOf(context)?.kind === 'request-state')
        return text('state-ok: requestState validated');
      return context.inputRequired(
        { confirm: elicitation('Please confirm', 'ok', { type: 'boolean' }) },
        { kind: 'request-state' },
      );
    },
  ),
  ask(
    'test_input_required_result_multiple_inputs',
    'MRTR: returns InputRequiredResult with multiple input requests',
    (_args, context) => {
      const name = accepted(context.inputResponses?.user_name)?.name;
      const greeting = sampledText(context.inputResponses?.greeting);
      const roots = rootCount(context.inputResponses?.client_roots);
      if (
        stateOf(context)?.kind === 'multiple-inputs' &&
        typeof name === 'string' &&
        greeting !== undefined &&
        roots !== undefined
      )
        return text(`Name: ${name}; Greeting: ${greeting}; Roots: ${roots}`);
      return context.inputRequired(
        {
          user_name: elicitation('What is your name?', 'name'),
          greeting: sampling('Generate a greeting', 50),
          client_roots: ROOTS,
        },
        { kind: 'multiple-inputs' },
      );
    },
  ),
  ask(
    'test_input_required_result_multi_round',
    'MRTR: multi-round InputRequiredResult workflow',
    (_args, context) => {
      const state = stateOf(context);
      const name = accepted(context.inputResponses?.step1)?.name;
      if (state?.round === 1 && typeof name === 'string')
        return context.inputRequired(
          { step2: elicitation('Step 2: What is your favorite color?', 'color') },
          { round: 2, name },
        );
      const color = accepted(context.inputResponses?.step2)?.color;
      if (state?.round === 2 && typeof color === 'string')
        return text(`Multi-round complete for ${String(state.name)} who likes ${color}`);
      return context.inputRequired(
        { step1: elicitation('Step 1: What is your name?', 'name') },
        { round: 1 },
      );
    },
  ),
  ask(
    'test_input_required_result_tampered_state',
    'MRTR: HMAC-signed requestState integrity test',
    (_args, context) => {
      if (
        stateOf(context)?.kind === 'tamper-test' &&
        accepted(context.inputResponses?.confirm)?.ok === true
      )
        return text('integrity-ok: state verified');
      return context.inputRequired(
        { confirm: elicitation('Please confirm', 'ok', { type: 'boolean' }) },
        { kind: 'tamper-test' },
      );
    },
  ),
  ask(
    'test_input_required_result_capabilities',
    'MRTR: respects client capabilities in inputRequests',
    (_args, context) => {
      const answered = Object.keys(context.inputResponses ?? {});
      if (stateOf(context)?.kind === 'capabilities-test' && answered.length > 0)
        return text(`capabilities-ok: received ${answered.join(', ')}`);
      const capabilities = context.clientCapabilities;
      const requests: InputRequests = {
        ...(capabilities?.elicitation && {
          elicit_input: elicitation('Elicitation input', 'value'),
        }),
        ...(capabilities?.sampling && { sample_input: sampling('Sample request', 50) }),
      };
      if (Object.keys(requests).length === 0) return text('No supported capabilities declared');
      return context.inputRequired(requests, { kind: 'capabilities-test' });
    },
  ),
];

/** A prompt that needs the user's input before it can be rendered (MRTR beyond tools). */
export const inputRequiredPrompt: PromptDefinition = definePrompt({
  name: 'test_input_required_result_prompt',
  description: 'MRTR: prompt that requires elicitation input',
  scopes: [CONFORMANCE_SCOPES.prompts],
  get: (_args, context) => {
    const answer = accepted(context.inputResponses?.user_context)?.context;
    if (typeof answer !== 'string')
      return context.inputRequired({
        user_context: elicitation('What context should the prompt use?', 'context'),
      });
    return {
      messages: [
        { role: 'user', content: { type: 'text', text: `Prompt with context: ${answer}` } },
      ],
    };
  },
});
