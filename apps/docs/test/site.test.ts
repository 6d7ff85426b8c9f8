import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serveStatic } from './static-server.js';

const app = fileURLToPath(new URL('..', import.meta.url));
const dist = join(app, 'dist');
const output = join(app, 'test-output');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

/** Every page of the built site, as paths (`/concepts.html`). */
async function builtPages(dir = dist): Promise<string[]> {
  const pages: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.html') || entry.name === '404.html') continue;
    const path = relative(dist, join(entry.parentPath, entry.name));
    if (path.startsWith('assets')) continue;
    pages.push(`/${path.split('\\').join('/')}`);
  }
  return pages.sort();
}

describe('the documentation site in a real browser', () => {
  let site: { url: string; server: Server };
  let browser: BrowserContext;
  let profile: string;
  let pages: string[];

  beforeAll(async () => {
    // `pnpm docs:build` first, unless the site is already built (DOCS_REBUILD=1 forces it).
    if (!existsSync(join(dist, 'index.html')) || process.env.DOCS_REBUILD === '1') {
      await promisify(execFile)('npm', ['run', 'docs:build'], {
        cwd: app,
        maxBuffer: 64 << 20,
      });
    }
    pages = await builtPages();
    site = await serveStatic(dist);
    profile = await mkdtemp(join(tmpdir(), 'docs-chromium-'));
    // A fresh, empty profile (--user-data-dir) for every run.
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    await mkdir(output, { recursive: true });
  }, 300_000);

  afterAll(async () => {
    await browser?.close();
    await new Promise((resolve) => site?.server.close(resolve));
    if (profile) await rm(profile, { recursive: true, force: true });
  });

  /** Opens `path`, collecting script errors (uncaught exceptions and console errors). */
  async function open(path: string): Promise<{ page: Page; errors: string[] }> {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (error) => errors.push(`${path}: ${error.message}`));
    page.on('console', async (message) => {
      if (message.type() !== 'error') return;
      const args = await Promise.all(message.args().map((arg) => arg.jsonValue().catch(() => '')));
      errors.push(`${path}: ${message.text()} ${JSON.stringify(args)}`.trim());
    });
    await page.goto(`${site.url}${path}`, { waitUntil: 'networkidle' });
    return { page, errors };
  }

  it('renders the home page (screenshot in test-output/home.png)', async () => {
    const { page, errors } = await open('/');
    await expect(page.title()).resolves.toContain('Portcullis');
    expect(await page.locator('.VPHero .name').textContent()).toContain('Portcullis');
    expect(await page.locator('.VPFeature').count()).toBeGreaterThanOrEqual(3);
    await page.screenshot({ path: join(output, 'home.png'), fullPage: true });
    expect(existsSync(join(output, 'home.png'))).toBe(true);
    expect(errors).toEqual([]);
    await page.close();
  });

  it('reaches every page by following links from the home page, and no internal link is broken', async () => {
    const seen = new Set<string>(['/']);
    const queue = ['/'];
    const broken: string[] = [];
    while (queue.length > 0) {
      const path = queue.shift()!;
      const response = await fetch(`${site.url}${path}`);
      if (!response.ok) {
        broken.push(path);
        continue;
      }
      const html = await response.text();
      for (const match of html.matchAll(/href="([^"#?]*)[^"]*"/g)) {
        const href = match[1]!;
        if (!href || /^(https?:|mailto:|data:)/.test(href) || href.startsWith('//')) continue;
        const target = new URL(href, `${site.url}${path}`).pathname;
        if (target.startsWith('/assets/') || /\.(css|js|svg|png|ico|woff2)$/.test(target)) continue;
        if (seen.has(target)) continue;
        seen.add(target);
        queue.push(target);
      }
    }
    expect(broken, `broken internal links: ${broken.join(', ')}`).toEqual([]);
    const reached = new Set(
      [...seen].map((path) => (path.endsWith('/') ? `${path}index.html` : path)),
    );
    const unreached = pages.filter((page) => !reached.has(page));
    expect(unreached, `pages no link leads to: ${unreached.join(', ')}`).toEqual([]);
    expect(pages.length).toBeGreaterThan(100); // the guides and the API reference
  });

  it('runs every guide page without a script error, diagrams drawn', async () => {
    const guides = pages.filter((page) => !page.startsWith('/api/') || page.split('/').length <= 4);
    const errors: string[] = [];
    for (const path of guides) {
      const opened = await open(path);
      if (path === '/architecture.html') {
        await opened.page.waitForSelector('pre.mermaid svg', { timeout: 30_000 });
        expect(await opened.page.locator('pre.mermaid svg').count()).toBe(3);
        const drawn = (await opened.page.locator('pre.mermaid').allInnerTexts()).join('\n');
        expect(drawn).not.toContain('Syntax error');
      }
      if (path === '/observability.html') {
        // The traced refusal.
        await opened.page.waitForSelector('pre.mermaid svg', { timeout: 30_000 });
        const drawn = await opened.page.locator('pre.mermaid').allInnerTexts();
        expect(drawn.join('\n')).not.toContain('Syntax error');
      }
      errors.push(...opened.errors);
      await opened.page.close();
    }
    expect(errors).toEqual([]);
    expect(guides).toEqual(
      expect.arrayContaining(['/getting-started.html', '/troubleshooting.html']),
    );
  });

  it('finds "audience" with the local search', async () => {
    const { page, errors } = await open('/getting-started.html');
    await page.locator('.VPNavBarSearch button').first().click();
    const input = page.locator('.VPLocalSearchBox input');
    await input.fill('audience');
    const results = page.locator('.VPLocalSearchBox .results li');
    await results.first().waitFor({ timeout: 15_000 });
    expect(await results.count()).toBeGreaterThan(0);
    expect(
      (await page.locator('.VPLocalSearchBox .results').textContent())?.toLowerCase(),
    ).toContain('audience');
    expect(errors).toEqual([]);
    await page.close();
  });
});
