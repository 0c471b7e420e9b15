/**
 * report.html in a real browser (Debian's chromium, driven by playwright-core): it loads from file:// with no console
 * errors, no page errors and no network requests, and every plot is drawn. Skipped where /usr/bin/chromium is
 * missing, except under CI (CI installs it: `apt-get install -y chromium`), where a missing browser fails.
 */
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureReport, type FixtureScenario } from './test-fixture.js';
import { writeReport } from './index.js';

const chromiumPath = '/usr/bin/chromium';
const runBrowser = existsSync(chromiumPath) || Boolean(process.env.CI);
const figureIds = ['rule', 'loss-curves', 'reml', 'spectrum', 'spectral-losses'];

describe.skipIf(!runBrowser)('report.html in headless Chromium', () => {
  let browser: Browser;
  let root: string;

  beforeAll(async () => {
    if (!existsSync(chromiumPath)) throw new Error(`${chromiumPath} is missing: install it with apt-get install -y chromium`);
    root = await mkdtemp(join(tmpdir(), 'duality-browser-'));
    browser = await chromium.launch({
      executablePath: chromiumPath,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
        '--no-first-run',
      ],
    });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    if (root) await rm(root, { recursive: true, force: true });
  });

  it.each<[FixtureScenario, string[]]>([
    ['train', figureIds],
    ['capped', figureIds],
  ])(
    'loads without errors or requests and draws its plots (%s)',
    async (scenario, plotted) => {
      const paths = await writeReport(join(root, scenario), await fixtureReport(scenario), { title: `Fixture: ${scenario}` });
      const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
      const problems: string[] = [];
      page.on('console', (message) => {
        if (message.type() === 'error' || message.type() === 'warning') problems.push(`console ${message.type()}: ${message.text()}`);
      });
      page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
      const fileUrl = pathToFileURL(paths.html).href;
      page.on('request', (request) => {
        if (request.url() !== fileUrl) problems.push(`request: ${request.url()}`);
      });
      await page.goto(fileUrl, { waitUntil: 'load' });

      for (const id of figureIds) {
        const svg = page.locator(`#${id} svg`);
        if (!plotted.includes(id)) {
          expect(await svg.count(), `${id} has nothing to plot`).toBe(0);
          continue;
        }
        expect(await svg.count(), `one plot in #${id}`).toBe(1);
        const box = await svg.boundingBox();
        expect(box?.width, `#${id} width`).toBeGreaterThan(300);
        expect(box?.height, `#${id} height`).toBeGreaterThan(200);
        // Data marks: paths with real geometry (vega draws lines, areas and symbols as <path d="…">).
        const drawn = await svg.locator('path[d]').evaluateAll(
          (elements) => elements.filter((element) => /\d/.test(element.getAttribute('d') ?? '')).length,
        );
        expect(drawn, `#${id} data paths`).toBeGreaterThan(10);
      }
      await page.screenshot({ path: join(tmpdir(), `duality-report-${scenario}.png`), fullPage: true });
      await page.close();
      expect(problems).toEqual([]);
    },
    60_000,
  );
});
