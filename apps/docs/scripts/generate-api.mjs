// Generates the API reference (docs/api/, not committed) from the TSDoc of every published
// package's public exports, with TypeDoc and its Markdown plugin, for VitePress to render.
import { readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { Application, LogLevel, ReflectionKind } from 'typedoc';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const out = `${root}docs/api`;
/** The published packages, in the order the reference lists them. */
export const PACKAGES = [
  'core',
  'streamable-http',
  'fetch',
  'websocket',
  'stdio',
  'redis',
  'testing',
];

await rm(out, { recursive: true, force: true });
const app = await Application.bootstrapWithPlugins({
  name: 'API reference',
  entryPoints: [
    ...PACKAGES.map((name) => `${root}packages/${name}/src/index.ts`),
    // The core's subpath entries, each its own module in the reference.
    `${root}packages/core/src/adapter.ts`,
    `${root}packages/core/src/client.ts`,
  ],
  tsconfig: fileURLToPath(new URL('../tsconfig.typedoc.json', import.meta.url)),
  excludeExternals: true,
  plugin: ['typedoc-plugin-markdown'],
  out,
  readme: 'none',
  entryFileName: 'index',
  hidePageHeader: true,
  hideBreadcrumbs: true,
  useCodeBlocks: true,
  excludePrivate: true,
  excludeInternal: true,
  // Markdown for VitePress: links without the .md, and no HTML that Vue would try to compile.
  publicPath: '/api/',
  sanitizeComments: true,
  githubPages: false,
  disableSources: true,
  logLevel: LogLevel.Warn,
  // Every public export, and every property and method on one, must carry TSDoc: an export
  // without it fails the build (and so `pnpm check`), naming it.
  validation: { notExported: false, invalidLink: false, notDocumented: true },
  treatValidationWarningsAsErrors: true,
});
const project = await app.convert();
if (!project) throw new Error('TypeDoc could not read the packages');
app.validate(project);
if (app.logger.hasErrors()) {
  throw new Error('the API reference is incomplete: document the exports TypeDoc named above');
}
// TypeDoc's check above does not see every export of a multi-package run: every export each
// package's index names is checked here too, by its own comment or its signatures'.
const EXPORTS =
  ReflectionKind.Function |
  ReflectionKind.Variable |
  ReflectionKind.Class |
  ReflectionKind.Interface |
  ReflectionKind.TypeAlias |
  ReflectionKind.Enum;
const undocumented = project
  .getReflectionsByKind(EXPORTS)
  .filter((reflection) => reflection.parent?.kindOf(ReflectionKind.Module))
  .filter(
    (reflection) =>
      !reflection.hasComment() &&
      !reflection.signatures?.some((signature) => signature.hasComment()),
  )
  .map((reflection) => reflection.getFullName());
if (undocumented.length > 0) {
  throw new Error(`exports without TSDoc: ${undocumented.join(', ')}`);
}
await app.generateOutputs(project);

// zod's internal type parameters say nothing to a reader: `$ZodType<unknown, unknown,
// $ZodTypeInternals<unknown, unknown>>` is shown as the zod schema it is, `ZodType`.
const ZOD_NOISE =
  /`\$ZodType`\\<`unknown`, `unknown`, `\$ZodTypeInternals`\\<`unknown`, `unknown`\\>\\>/g;
for (const entry of await readdir(out, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.md')) continue;
  const file = `${entry.parentPath}/${entry.name}`;
  const text = await readFile(file, 'utf8');
  const plain = text.replace(ZOD_NOISE, '`ZodType`');
  if (plain !== text) await writeFile(file, plain);
}
console.log(`API reference: ${out}`);
