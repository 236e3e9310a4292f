/**
 * The Forge Custom UI build of the Configure page: the same page as the Connect one (same body from
 * views/configure.html), with a head Forge's default Content-Security-Policy accepts (no inline script
 * or style) and every file it names written beside it, so nothing is fetched from a CDN.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildForgePage, forgePageHtml, forgePageValues } from '../../../src/configure/page-build.js';
import { PAGE_TEMPLATE_PATH } from '../../../src/configure/page-files.js';

const VALUES = { appName: 'Flags <for> "Jira"', templateUrl: 'https://app.example.com/aws/t.yaml', defaultExtension: 'jira-flag-tracker' };

describe('Forge Custom UI build of the Configure page', () => {
  let dir: string;
  let files: string[];
  let html: string;

  beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'forge-page-'));
    files = await buildForgePage(VALUES, dir);
    html = fs.readFileSync(path.join(dir, 'index.html'), 'utf8');
  }, 60_000);
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('writes index.html, the script and the styles with AUI\'s fonts beside them', () => {
    const names = files.map((f) => path.relative(dir, f)).sort();
    expect(names).toEqual(expect.arrayContaining(['configure.css', 'configure.js', 'index.html']));
    expect(names.filter((n) => n.startsWith('assets/') && /\.(woff|ttf|eot|svg)$/.test(n)).length).toBeGreaterThanOrEqual(4);
    for (const f of files) expect(fs.existsSync(f)).toBe(true);
  });

  it('has no inline script, no inline style and no Connect leftovers', () => {
    const scripts = [...html.matchAll(/<script\b[^>]*>([\s\S]*?)<\/script>/gi)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![0]).toMatch(/src="configure\.js"/);
    expect(scripts[0]![1]).toBe('');
    expect(html).not.toMatch(/<style\b|\sstyle=|\son[a-z]+=/i);
    expect(html).not.toMatch(/\{\{|api-token|all\.js|\/vendor\/aui|\/public\//);
  });

  it('names only files it ships, and only local ones', () => {
    const refs = [...html.matchAll(/\s(?:src|href)="([^"]+)"/g)].map((m) => m[1]!).filter((r) => r !== VALUES.templateUrl);
    expect(refs.sort()).toEqual(['configure.css', 'configure.js']);
    const css = fs.readFileSync(path.join(dir, 'configure.css'), 'utf8');
    expect(css).toMatch(/\.aui-button-primary/); // AUI itself is in the bundle, not linked
    const urls = [...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1]!).filter((u) => !u.startsWith('data:'));
    expect(urls.length).toBeGreaterThan(0);
    for (const url of urls) {
      expect(url).not.toMatch(/^(https?:)?\/\//);
      expect(fs.existsSync(path.join(dir, url.replace(/[?#].*$/, '')))).toBe(true);
    }
    expect(css).not.toMatch(/@import/);
  });

  it('fills in the values HTML-escaped, and the template link opens beside Jira', () => {
    expect(html).toContain('<h1>Flags &lt;for&gt; &quot;Jira&quot;</h1>');
    expect(html).toContain('<a href="https://app.example.com/aws/t.yaml" id="template-link" target="_blank" rel="noopener noreferrer">');
    expect(html).toContain('placeholder="jira-flag-tracker"');
  });

  it('is the Connect page\'s body', () => {
    const body = (s: string) => s.slice(s.indexOf('<body'));
    const template = fs.readFileSync(PAGE_TEMPLATE_PATH, 'utf8');
    const connectBody = body(template)
      .replace(/\{\{appName\}\}/g, 'Flags &lt;for&gt; &quot;Jira&quot;')
      .replace(/\{\{defaultExtension\}\}/g, 'jira-flag-tracker')
      .replace('{{templateUrl}}" id="template-link" download', 'https://app.example.com/aws/t.yaml" id="template-link" target="_blank" rel="noopener noreferrer"');
    expect(body(html)).toBe(connectBody);
  });

  it('refuses a template that would put an inline script in the Custom UI', () => {
    const template = fs.readFileSync(PAGE_TEMPLATE_PATH, 'utf8');
    expect(() => forgePageHtml(template.replace('</body>', '<script>alert(1)</script></body>'), VALUES)).toThrow(/inline script or style/);
    expect(() => forgePageHtml(template.replace('<!-- connect:head -->', ''), VALUES)).toThrow(/markers/);
  });

  it('takes the template address and extension from the backend\'s environment', async () => {
    const values = await forgePageValues({ BASE_URL: 'https://flags.example.com/', APPCONFIG_EXTENSION: 'my-ext' });
    expect(values).toMatchObject({ templateUrl: 'https://flags.example.com/aws/appconfig-jira-extension.yaml', defaultExtension: 'my-ext', warnings: [] });
    expect((await forgePageValues({})).warnings).toEqual([expect.stringMatching(/BASE_URL/)]);
  });
});
