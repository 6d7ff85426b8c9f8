#!/usr/bin/env node
// Writes the code samples of apps/docs/samples into the Markdown that shows them, so that
// docs/*.md and README.md read as they are on a code host, an npm page or an editor, not only
// on the site. A sample is shown between two markers:
//
//   <!-- sample apps/docs/samples/casdoor.ts#verifier -->
//   ```ts
//   …the file, or the lines of its `// #region verifier`, dedented…
//   ```
//   <!-- /sample -->
//
// `node apps/docs/scripts/embed-samples.mjs` rewrites what is between the markers; with
// `--check` it only names the pages that differ (the docs test runs the same comparison).
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));

/** An embedded sample: the opening marker, the code block, the closing marker. */
export const SAMPLE = /^<!-- sample ([\w./-]+?)(?:#([\w-]+))? -->\n[\s\S]*?^<!-- \/sample -->$/gm;

/** The pages that may embed samples, relative to the repository root. */
export function pagesWithSamples() {
  return [
    'README.md',
    ...readdirSync(`${root}docs`)
      .filter((file) => file.endsWith('.md'))
      .map((file) => `docs/${file}`),
  ];
}

/**
 * The code of a sample as a page shows it: the whole file, or the lines of one region without
 * the markers of any region, dedented by the region's least indentation.
 */
export function sampleCode(file, region) {
  const source = readFileSync(`${root}${file}`, 'utf8');
  const isMarker = (line) => /^\s*\/\/ #(end)?region\b/.test(line);
  let lines = source.replace(/\n$/, '').split('\n');
  if (region) {
    const start = lines.findIndex((line) => line.trim() === `// #region ${region}`);
    const end = lines.findIndex((line) => line.trim() === `// #endregion ${region}`);
    if (start < 0 || end < start) throw new Error(`${file} has no region ${region}`);
    lines = lines.slice(start + 1, end);
  } else if (lines.some(isMarker)) {
    throw new Error(`${file} has regions: embed one of them, not the whole file`);
  }
  lines = lines.filter((line) => !isMarker(line));
  const indent = Math.min(
    ...lines.filter((line) => line.trim()).map((line) => /^ */.exec(line)[0].length),
  );
  return lines.map((line) => line.slice(indent)).join('\n');
}

/** The page with every embedded sample replaced by the sample's current code. */
export function embedSamples(text) {
  return text.replace(SAMPLE, (_, file, region) => {
    const language = file.endsWith('.ts') ? 'ts' : file.split('.').at(-1);
    const marker = `<!-- sample ${file}${region ? `#${region}` : ''} -->`;
    return `${marker}\n\`\`\`${language}\n${sampleCode(file, region)}\n\`\`\`\n<!-- /sample -->`;
  });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const check = process.argv.includes('--check');
  const stale = [];
  for (const page of pagesWithSamples()) {
    const text = readFileSync(`${root}${page}`, 'utf8');
    const embedded = embedSamples(text);
    if (embedded === text) continue;
    stale.push(page);
    if (!check) writeFileSync(`${root}${page}`, embedded);
  }
  if (check && stale.length > 0) {
    console.error(`samples out of date in: ${stale.join(', ')} (run embed-samples.mjs)`);
    process.exit(1);
  }
  console.log(
    check ? 'every embedded sample is current' : `updated: ${stale.join(', ') || 'none'}`,
  );
}
