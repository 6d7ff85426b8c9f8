import { defineResourceTemplate, type ResourceTemplateDefinition } from '@portcullis/core';
import type { createFileTools } from './file-tools.js';
import { displayPath, parsePath } from './safe-path.js';

type FileTools = ReturnType<typeof createFileTools>;

/** The resource URI of a served file: `file:///` and its path relative to the served folder. */
export const fileUri = (path: string) => `file:///${path.replace(/^\/+/, '')}`;

/**
 * Each file as a resource `file:///{+path}` (scope `files:read`, UTF-8 text, read through the
 * `read_file` tool and its sandbox), so clients can subscribe to a file and hear when
 * `write_file` replaces it — on any instance, when the update hub is shared.
 */
export function createFileResources(tools: FileTools): ResourceTemplateDefinition[] {
  const readFile = tools.find((tool) => tool.name === 'read_file')!;
  return [
    defineResourceTemplate({
      uriTemplate: 'file:///{+path}',
      name: 'file',
      title: 'A file under the served folder',
      mimeType: 'text/plain',
      scopes: ['files:read'],
      async read(uri, { path }, context) {
        const result = (await readFile.handler(
          { path: path ?? '', offset: 0, encoding: 'utf8' } as never,
          context as never,
        )) as { content: Array<{ text: string }> };
        return {
          contents: [{ uri: uri.href, mimeType: 'text/plain', text: result.content[0]!.text }],
        };
      },
    }),
  ];
}

/**
 * `tools` with `write_file` announcing each replaced file as a resource update, under its
 * canonical URI: `./notes/../secret.txt` is announced as `file:///secret.txt`, the URI a
 * listener names.
 */
export function announceWrites(tools: FileTools, notify: (uri: string) => void): FileTools {
  return tools.map((tool) => {
    if (tool.name !== 'write_file') return tool;
    const handler = tool.handler as (args: { path: string }, context: unknown) => Promise<unknown>;
    return {
      ...tool,
      handler: async (args: { path: string }, context: unknown) => {
        const result = await handler(args, context);
        notify(fileUri(displayPath(parsePath(args.path))));
        return result;
      },
    };
  }) as FileTools;
}
