import {
  createRegistry,
  definePrompt,
  defineResource,
  defineResourceTemplate,
  defineTool,
  type Registry,
} from '@portcullis/core';
import { z } from 'zod';

/** A 1x1 red PNG. */
const PNG =
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==';
/** A silent WAV of one sample. */
const WAV = 'UklGRiYAAABXQVZFZm10IBAAAAABAAEARKwAAIhYAQACABAAZGF0YQIAAAAAAA==';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const text = (value: string) => ({ content: [{ type: 'text' as const, text: value }] });

/**
 * The fixtures the scenarios of the MCP conformance suite expect (their names and answers are
 * fixed by the suite). Every entry is public here: the suite sends no token, so this server
 * runs with authorization explicitly off.
 */
export function conformanceRegistry(): Registry {
  return createRegistry({
    tools: [
      defineTool({
        name: 'test_simple_text',
        description: 'Returns simple text.',
        scopes: [],
        handler: () => text('This is a simple text response for testing.'),
      }),
      defineTool({
        name: 'test_image_content',
        description: 'Returns an image.',
        scopes: [],
        handler: () => ({ content: [{ type: 'image', data: PNG, mimeType: 'image/png' }] }),
      }),
      defineTool({
        name: 'test_audio_content',
        description: 'Returns audio.',
        scopes: [],
        handler: () => ({ content: [{ type: 'audio', data: WAV, mimeType: 'audio/wav' }] }),
      }),
      defineTool({
        name: 'test_embedded_resource',
        description: 'Returns an embedded resource.',
        scopes: [],
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
        scopes: [],
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
        scopes: [],
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
        scopes: [],
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
        scopes: [],
        handler: () => {
          throw new Error('This tool intentionally returns an error for testing');
        },
      }),
      defineTool({
        name: 'test_sampling',
        description: "Asks the client's model.",
        scopes: [],
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
        scopes: [],
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
        scopes: [],
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
        scopes: [],
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
        scopes: [],
        inputSchema: {
          $schema: 'https://json-schema.org/draft/2020-12/schema',
          type: 'object',
          $defs: {
            address: {
              type: 'object',
              properties: { street: { type: 'string' }, city: { type: 'string' } },
            },
          },
          properties: { name: { type: 'string' }, address: { $ref: '#/$defs/address' } },
          additionalProperties: false,
        },
        handler: (args) => text(`Received: ${JSON.stringify(args)}`),
      }),
      defineTool({
        name: 'test_reconnection',
        description:
          'Closes its SSE stream mid-call; the client resumes with Last-Event-ID (SEP-1699).',
        scopes: [],
        handler: async (_args, { closeStream }) => {
          await sleep(50);
          closeStream?.();
          await sleep(100);
          return text('Reconnection test completed');
        },
      }),
    ],
    resources: [
      defineResource({
        uri: 'test://static-text',
        name: 'Static text',
        description: 'A static text resource.',
        mimeType: 'text/plain',
        scopes: [],
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
        scopes: [],
        read: (uri) => ({ contents: [{ uri: uri.href, mimeType: 'image/png', blob: PNG }] }),
      }),
      defineResource({
        uri: 'test://watched-resource',
        name: 'Watched resource',
        description: 'A resource to subscribe to.',
        mimeType: 'text/plain',
        scopes: [],
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
        scopes: [],
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
        scopes: [],
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
        scopes: [],
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
        scopes: [],
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
        scopes: [],
        get: () => ({
          messages: [
            { role: 'user', content: { type: 'image', data: PNG, mimeType: 'image/png' } },
            { role: 'user', content: { type: 'text', text: 'Please analyze the image above.' } },
          ],
        }),
      }),
    ],
  });
}
