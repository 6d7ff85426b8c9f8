import {
  createRegistry,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  JsonRpcError,
  type Registry,
} from '@portcullis/core';
import { z } from 'zod';
import { CONFORMANCE_SCOPES } from './conformance-scopes.js';
import { inputRequiredPrompt, inputRequiredTools } from './input-required-fixtures.js';

/** A 1x1 red PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A silent WAV of one sample. */
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQIAAAAAAA==';

/** `MissingRequiredClientCapability` (2026-07-28). */
const MISSING_CAPABILITY = -32021;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/**
 * The fixtures the scenarios of the MCP conformance suite expect, for 2025-11-25 and
 * 2026-07-28 (their names and answers are fixed by the suite). Each needs the scope of its
 * kind ({@link CONFORMANCE_SCOPES}), checked when the server runs with authorization on. The
 * first tool listed takes no arguments: the header-validation scenario calls it with `{}`.
 */
export function conformanceRegistry(): Registry {
  return createRegistry({
    tools: [
      defineTool({
        name: 'test_simple_text',
        description: 'Returns simple text.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: () => text('This is a simple text response for testing.'),
      }),
      defineTool({
        name: 'test_image_content',
        description: 'Returns an image.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }),
      }),
      defineTool({
        name: 'test_audio_content',
        description: 'Returns audio.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }),
      }),
      defineTool({
        name: 'test_embedded_resource',
        description: 'Returns an embedded resource.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: () => ({
          content: [
            {
              type: 'resource',
              resource: {
                uri: 'test://embedded-resource',
                mimeType: 'text/plain',
                text: 'This is an embedded resource content.',
              },
            },
          ],
        }),
      }),
      defineTool({
        name: 'test_multiple_content_types',
        description: 'Returns text, an image and a resource.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: () => ({
          content: [
            { type: 'text', text: 'Multiple content types test:' },
            { type: 'image', data: PNG, mimeType: 'image/png' },
            {
              type: 'resource',
              resource: {
                uri: 'test://mixed-content-resource',
                mimeType: 'application/json',
                text: '{"test":"data","value":123}',
              },
            },
          ],
        }),
      }),
      defineTool({
        name: 'test_tool_with_logging',
        description: 'Sends three log messages while it runs.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: async (_args, { log }) => {
          await log('info', 'Tool execution started');
          await sleep(50);
          await log('info', 'Tool processing data');
          await sleep(50);
          await log('info', 'Tool execution completed');
          return text('Logging test completed');
        },
      }),
      defineTool({
        name: 'test_tool_with_progress',
        description: 'Reports progress 0, 50, 100 of 100.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: async (_args, { reportProgress }) => {
          await reportProgress(0, 100);
          await sleep(50);
          await reportProgress(50, 100);
          await sleep(50);
          await reportProgress(100, 100);
          return text('Progress test completed');
        },
      }),
      defineTool({
        name: 'test_error_handling',
        description: 'Always fails.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: () => {
          throw new Error('This tool intentionally returns an error for testing');
        },
      }),
      defineTool({
        name: 'test_sampling',
        description: "Asks the client's model.",
        scopes: [CONFORMANCE_SCOPES.tools],
        input: z.object({ prompt: z.string().describe('The prompt to send to the LLM') }),
        handler: async ({ prompt }, { createMessage }) => {
          const result = await createMessage({
            messages: [{ role: 'user', content: { type: 'text', text: prompt } }],
            maxTokens: 100,
          });
          const content = result.content as { type: string; text?: string };
          return text(
            `LLM response: ${content.type === 'text' ? content.text : JSON.stringify(content)}`,
          );
        },
      }),
      defineTool({
        name: 'test_elicitation',
        description: 'Asks the user for input.',
        scopes: [CONFORMANCE_SCOPES.tools],
        input: z.object({ message: z.string().describe('The message to show the user') }),
        handler: async ({ message }, { elicit }) => {
          const result = await elicit({
            message,
            requestedSchema: {
              type: 'object',
              properties: {
                username: { type: 'string', description: "User's response" },
                email: { type: 'string', description: "User's email address" },
              },
              required: ['username', 'email'],
            },
          });
          return text(
            `User response: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
          );
        },
      }),
      defineTool({
        name: 'test_elicitation_sep1034_defaults',
        description: 'Elicitation with defaults for every primitive type.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: async (_args, { elicit }) => {
          const result = await elicit({
            message: 'Please review and update the form fields with defaults',
            requestedSchema: {
              type: 'object',
              properties: {
                name: { type: 'string', description: 'User name', default: 'John Doe' },
                age: { type: 'integer', description: 'User age', default: 30 },
                score: { type: 'number', description: 'User score', default: 95.5 },
                status: {
                  type: 'string',
                  description: 'User status',
                  enum: ['active', 'inactive', 'pending'],
                  default: 'active',
                },
                verified: { type: 'boolean', description: 'Verification status', default: true },
              },
            },
          });
          return text(
            `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
          );
        },
      }),
      defineTool({
        name: 'test_elicitation_sep1330_enums',
        description: 'Elicitation with every enum form.',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: async (_args, { elicit }) => {
          const result = await elicit({
            message: 'Please select options from the enum fields',
            requestedSchema: {
              type: 'object',
              properties: {
                untitledSingle: {
                  type: 'string',
                  description: 'Untitled single-select',
                  enum: ['option1', 'option2', 'option3'],
                },
                titledSingle: {
                  type: 'string',
                  description: 'Titled single-select',
                  oneOf: [
                    { const: 'value1', title: 'First Option' },
                    { const: 'value2', title: 'Second Option' },
                    { const: 'value3', title: 'Third Option' },
                  ],
                },
                legacyEnum: {
                  type: 'string',
                  description: 'Legacy titled enum',
                  enum: ['opt1', 'opt2', 'opt3'],
                  enumNames: ['Option One', 'Option Two', 'Option Three'],
                },
                untitledMulti: {
                  type: 'array',
                  description: 'Untitled multi-select',
                  items: { type: 'string', enum: ['option1', 'option2', 'option3'] },
                },
                titledMulti: {
                  type: 'array',
                  description: 'Titled multi-select',
                  items: {
                    anyOf: [
                      { const: 'value1', title: 'First Choice' },
                      { const: 'value2', title: 'Second Choice' },
                      { const: 'value3', title: 'Third Choice' },
                    ],
                  },
                },
              },
            },
          } as never);
          return text(
            `Elicitation completed: action=${result.action}, content=${JSON.stringify(result.content ?? {})}`,
          );
        },
      }),
      defineTool({
        name: 'json_schema_2020_12_tool',
        description: 'Tool with JSON Schema 2020-12 features',
        scopes: [CONFORMANCE_SCOPES.tools],
        inputSchema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          $defs: {
            address: {
              $anchor: 'addressDef',
              type: 'object',
              properties: { street: { type: 'string' }, city: { type: 'string' } },
            },
          },
          properties: {
            name: { type: 'string' },
            address: { $ref: '#/$defs/address' },
            contactMethod: { type: 'string', enum: ['phone', 'email'] },
            phone: { type: 'string' },
            email: { type: 'string' },
          },
          allOf: [{ anyOf: [{ required: ['phone'] }, { required: ['email'] }] }],
          if: { properties: { contactMethod: { const: 'phone' } }, required: ['contactMethod'] },
          // biome-ignore lint/suspicious/noThenProperty: the JSON Schema keyword the scenario checks
          then: { required: ['phone'] },
          else: { required: ['email'] },
          additionalProperties: false,
        },
        handler: (args) => text(`Received: ${JSON.stringify(args)}`),
      }),
      defineTool({
        name: 'test_reconnection',
        description:
          'Closes its SSE stream mid-call; the client resumes with Last-Event-ID (SEP-1699).',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: async (_args, { closeStream }) => {
          await sleep(50);
          closeStream?.();
          await sleep(100);
          return text('Reconnection test completed');
        },
      }),
      defineTool({
        name: 'test_missing_capability',
        description: 'Test tool requiring sampling',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: (_args, { clientCapabilities }) => {
          if (!clientCapabilities?.sampling)
            throw new JsonRpcError(MISSING_CAPABILITY, 'Missing required client capability', {
              requiredCapabilities: { sampling: {} },
            });
          return text('Success');
        },
      }),
      defineTool({
        name: 'test_streaming_elicitation',
        description:
          'Diagnostic tool validating response progress streams: asks for input with an input_required result, never with a request on the stream',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: (_args, context) => {
          const answer = context.inputResponses?.confirm as { action?: string } | undefined;
          if (answer?.action) return text(`Streaming elicitation answered: ${answer.action}`);
          return context.inputRequired({
            confirm: {
              method: 'elicitation/create',
              params: {
                message: 'Continue?',
                requestedSchema: {
                  type: 'object',
                  properties: { ok: { type: 'boolean' } },
                  required: ['ok'],
                },
              },
            },
          });
        },
      }),
      defineTool({
        name: 'test_logging_tool',
        description:
          'Diagnostic logging validator tool: logs only when the request asks for a log level',
        scopes: [CONFORMANCE_SCOPES.tools],
        handler: async (_args, { log }) => {
          await log('info', 'Logging tool started');
          await log('info', 'Logging tool finished');
          return text('Logging evaluated');
        },
      }),
      defineTool({
        name: 'test_custom_header_echo',
        description: 'Echoes its region, which clients mirror into the Mcp-Param-Region header',
        scopes: [CONFORMANCE_SCOPES.tools],
        inputSchema: {
          type: 'object',
          properties: {
            region: { type: 'string', description: 'A region name', 'x-mcp-header': 'Region' },
          },
          required: ['region'],
        },
        handler: (args) => text(`region=${(args as { region: string }).region}`),
      }),
      ...inputRequiredTools,
    ],
    resources: [
      defineResource({
        uri: 'test://static-text',
        name: 'Static text',
        description: 'A static text resource.',
        mimeType: 'text/plain',
        scopes: [CONFORMANCE_SCOPES.resources],
        read: (uri) => ({
          contents: [
            {
              uri: uri.href,
              mimeType: 'text/plain',
              text: 'This is the content of the static text resource.',
            },
          ],
        }),
      }),
      defineResource({
        uri: 'test://static-binary',
        name: 'Static binary',
        description: 'A static binary resource.',
        mimeType: 'image/png',
        scopes: [CONFORMANCE_SCOPES.resources],
        read: (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG }] }),
      }),
      defineResource({
        uri: 'test://watched-resource',
        name: 'Watched resource',
        description: 'A resource to subscribe to.',
        mimeType: 'text/plain',
        scopes: [CONFORMANCE_SCOPES.resources],
        read: (uri) => ({
          contents: [{ uri: uri.href, mimeType: 'text/plain', text: 'Watched resource content.' }],
        }),
      }),
    ],
    resourceTemplates: [
      defineResourceTemplate({
        uriTemplate: 'test://template/{id}/data',
        name: 'Template data',
        description: 'Data for an id.',
        mimeType: 'application/json',
        scopes: [CONFORMANCE_SCOPES.resources],
        complete: { id: (value) => ['123', '456', '789'].filter((id) => id.startsWith(value)) },
        read: (uri, { id }) => ({
          contents: [
            {
              uri: uri.href,
              mimeType: 'application/json',
              text: JSON.stringify({ id, templateTest: true, data: `Data for ID: ${id}` }),
            },
          ],
        }),
      }),
    ],
    prompts: [
      definePrompt({
        name: 'test_simple_prompt',
        description: 'A prompt without arguments.',
        scopes: [CONFORMANCE_SCOPES.prompts],
        get: () => ({
          messages: [
            {
              role: 'user',
              content: { type: 'text', text: 'This is a simple prompt for testing.' },
            },
          ],
        }),
      }),
      definePrompt({
        name: 'test_prompt_with_arguments',
        description: 'A prompt with two arguments.',
        scopes: [CONFORMANCE_SCOPES.prompts],
        arguments: z.object({
          arg1: z.string().describe('First test argument'),
          arg2: z.string().describe('Second test argument'),
        }),
        complete: {
          arg1: (value) => ['paris', 'park', 'party'].filter((word) => word.startsWith(value)),
        },
        get: ({ arg1, arg2 }) => ({
          messages: [
            {
              role: 'user',
              content: {
                type: 'text',
                text: `Prompt with arguments: arg1='${arg1}', arg2='${arg2}'`,
              },
            },
          ],
        }),
      }),
      definePrompt({
        name: 'test_prompt_with_embedded_resource',
        description: 'A prompt embedding a resource.',
        scopes: [CONFORMANCE_SCOPES.prompts],
        arguments: z.object({ resourceUri: z.string().describe('URI of the resource to embed') }),
        get: ({ resourceUri }) => ({
          messages: [
            {
              role: 'user',
              content: {
                type: 'resource',
                resource: {
                  uri: resourceUri,
                  mimeType: 'text/plain',
                  text: 'Embedded resource content for testing.',
                },
              },
            },
            {
              role: 'user',
              content: { type: 'text', text: 'Please process the embedded resource above.' },
            },
          ],
        }),
      }),
      definePrompt({
        name: 'test_prompt_with_image',
        description: 'A prompt with an image.',
        scopes: [CONFORMANCE_SCOPES.prompts],
        get: () => ({
          messages: [
            { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
            { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
          ],
        }),
      }),
      inputRequiredPrompt,
    ],
  });
}
