import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitepress';

const docs = fileURLToPath(new URL('../../../docs/', import.meta.url));
/** Vue as this package has it: the pages under docs/ cannot find it from where they are. */
const vue = dirname(createRequire(import.meta.url).resolve('vue/package.json'));

/** The reference pages TypeDoc generated for one package, for its sidebar group. */
function apiItems(pkg: string) {
  const base = `${docs}api/@portcullis/${pkg}`;
  const kinds: Array<[string, string]> = [
    ['classes', 'Classes'],
    ['functions', 'Functions'],
    ['interfaces', 'Interfaces'],
    ['type-aliases', 'Types'],
    ['variables', 'Constants'],
  ];
  return kinds.flatMap(([folder, text]) => {
    let files: string[];
    try {
      files = readdirSync(`${base}/${folder}`).filter((file) => file.endsWith('.md'));
    } catch {
      return [];
    }
    return [
      {
        text,
        collapsed: true,
        items: files.map((file) => ({
          text: file.slice(0, -3),
          link: `/api/@portcullis/${pkg}/${folder}/${file.slice(0, -3)}`,
        })),
      },
    ];
  });
}

/**
 * The source repository, from the root package.json's `repository` (`git+https://…/x.git` or a
 * URL): linked from every page's navigation bar and "Edit this page" link.
 */
function sourceRepository(): string | undefined {
  const manifest = JSON.parse(
    readFileSync(new URL('../../../package.json', import.meta.url), 'utf8'),
  );
  const field = manifest.repository;
  const url = typeof field === 'string' ? field : field?.url;
  return typeof url === 'string' ? url.replace(/^git\+/, '').replace(/\.git$/, '') : undefined;
}
const repository = sourceRepository();

const PACKAGES = ['core', 'streamable-http', 'fetch', 'websocket', 'stdio', 'redis', 'testing'];

/** The guide pages grouped below; any other page in docs/ is listed under "More". */
const GUIDE = [
  {
    text: 'Start',
    items: [
      { text: 'Getting started in five minutes', link: '/getting-started' },
      { text: 'Concepts: how a request is let in', link: '/concepts' },
      { text: 'Architecture', link: '/architecture' },
      { text: 'MCP revisions', link: '/protocol-revisions' },
    ],
  },
  {
    text: 'Building a server',
    items: [
      { text: 'Scopes and the registry', link: '/scopes-and-registry' },
      { text: 'Verifying tokens', link: '/verifying-tokens' },
      { text: 'DPoP', link: '/dpop' },
      { text: 'Calling downstream APIs', link: '/downstream-calls' },
      { text: 'A complete server', link: '/complete-example' },
    ],
  },
  {
    text: 'Transports',
    items: [
      { text: 'Streamable HTTP', link: '/streamable-http' },
      { text: 'WebSocket', link: '/websocket' },
      { text: 'stdio', link: '/stdio' },
    ],
  },
  {
    text: 'Web-standard runtimes',
    items: [
      { text: 'Fetch runtimes: state and sharing', link: '/runtimes' },
      { text: 'Bun', link: '/bun' },
      { text: 'Deno', link: '/deno' },
      { text: 'Cloudflare Workers', link: '/workers' },
      { text: 'Hono', link: '/hono' },
      { text: 'Next.js route handlers', link: '/nextjs' },
    ],
  },
  {
    text: 'Authorization servers',
    items: [
      { text: 'Casdoor', link: '/casdoor' },
      { text: 'Keycloak, Auth0, any OIDC', link: '/authorization-servers' },
      { text: 'Testing with a real one', link: '/testing' },
    ],
  },
  {
    text: 'The apps',
    items: [
      { text: 'The file server', link: '/file-server' },
      { text: 'The client demo', link: '/client-demo' },
    ],
  },
  {
    text: 'Operating',
    items: [
      { text: 'Security model', link: '/security' },
      { text: 'Probing a server', link: '/probe' },
      { text: 'Troubleshooting', link: '/troubleshooting' },
      { text: 'Observability', link: '/observability' },
      { text: 'Deployment', link: '/deployment' },
      { text: 'Compatibility', link: '/compatibility' },
      { text: 'Performance', link: '/performance' },
      { text: 'Contributing', link: '/contributing' },
    ],
  },
];

/** Pages in docs/ that no group above lists, titled by their first heading. */
function otherPages() {
  const listed = new Set(GUIDE.flatMap((group) => group.items.map((item) => item.link)));
  return readdirSync(docs)
    .filter((file) => file.endsWith('.md') && file !== 'index.md')
    .map((file) => `/${file.slice(0, -3)}`)
    .filter((link) => !listed.has(link))
    .map((link) => {
      const heading = /^# (.+)$/m.exec(readFileSync(`${docs}${link.slice(1)}.md`, 'utf8'));
      return { text: heading?.[1] ?? link.slice(1), link };
    });
}

export default defineConfig({
  title: 'Portcullis',
  description: 'OAuth 2.1-protected MCP servers in TypeScript',
  head: [
    [
      'link',
      {
        rel: 'icon',
        href: "data:image/svg+xml,<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><rect width='16' height='16' rx='3' fill='%23334'/><path d='M3 4h10M3 8h10M3 12h10M5 2v12M8 2v12M11 2v12' stroke='%23ddd'/></svg>",
      },
    ],
  ],
  srcDir: '../../docs',
  outDir: './dist',
  cacheDir: './.vitepress/cache',
  cleanUrls: false,
  lastUpdated: false,
  vite: {
    resolve: { alias: [{ find: /^vue($|\/)/, replacement: `${vue}$1` }] },
    build: { chunkSizeWarningLimit: 4096 },
  },
  markdown: {
    config(md) {
      // Links out of docs/ (to packages, apps, tests) name a path in the repository: in the
      // site they stay as text, so nothing links to a page that does not exist.
      md.core.ruler.push('repository-paths', (state) => {
        for (const block of state.tokens) {
          const children = block.children;
          if (!children) continue;
          for (let i = 0; i < children.length; i++) {
            const token = children[i]!;
            const href = token.type === 'link_open' ? (token.attrGet('href') ?? '') : '';
            if (!href.startsWith('../')) continue;
            let depth = 0;
            for (let j = i; j < children.length; j++) {
              if (children[j]!.type === 'link_open') depth++;
              if (children[j]!.type === 'link_close' && --depth === 0) {
                children.splice(j, 1);
                break;
              }
            }
            children.splice(i, 1);
            i--;
          }
        }
      });
      // ```mermaid fences become diagrams, drawn in the browser by the theme.
      const fence = md.renderer.rules.fence!;
      md.renderer.rules.fence = (tokens, index, options, env, self) => {
        const token = tokens[index]!;
        if (token.info.trim() !== 'mermaid') return fence(tokens, index, options, env, self);
        return `<pre class="mermaid" v-pre>${md.utils.escapeHtml(token.content)}</pre>`;
      };
    },
  },
  themeConfig: {
    search: { provider: 'local' },
    ...(repository && {
      socialLinks: [{ icon: 'github', link: repository }],
      editLink: { pattern: `${repository}/edit/main/docs/:path`, text: 'Edit this page' },
    }),
    nav: [
      { text: 'Guide', link: '/getting-started' },
      { text: 'API', link: '/api/' },
    ],
    sidebar: {
      '/api/': [
        { text: 'API reference', link: '/api/' },
        ...PACKAGES.map((pkg) => ({
          text: `@portcullis/${pkg}`,
          link: `/api/@portcullis/${pkg}/`,
          collapsed: pkg !== 'core',
          items: apiItems(pkg),
        })),
      ],
      '/': [
        ...GUIDE,
        ...(otherPages().length > 0 ? [{ text: 'More', items: otherPages() }] : []),
        { text: 'API reference', link: '/api/' },
      ],
    },
  },
});
