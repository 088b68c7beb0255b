import { existsSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { toolchain } from '../helpers/tools.js';
import { type Harness, MINI_REGISTRY, startHarness } from '../integration/api/harness.js';

/** Debian's chromium (installed by .ci/run), driven by playwright-core: the dashboard as a person uses it. */
const CHROMIUM = process.env.WEAVERGEN_CHROMIUM ?? '/usr/bin/chromium';
const BROWSER = toolchain('chromium');
const FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

let h: Harness;
let browser: Browser;

beforeAll(async () => {
  if (BROWSER.skip) return;
  if (!existsSync(CHROMIUM))
    throw new Error(
      `chromium not found at ${CHROMIUM}: install Debian's chromium (.ci/run does) or set WEAVERGEN_CHROMIUM`,
    );
  h = await startHarness();
  browser = await chromium.launch({ executablePath: CHROMIUM, args: FLAGS });
});

afterAll(async () => {
  await browser?.close();
  await h?.stop();
});

describe.skipIf(BROWSER.skip)(`dashboard in a real browser${BROWSER.note}`, () => {
  it('refuses a generation without the token, then starts one with it and shows the result live', async () => {
    const page = await browser.newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(h.url);
    await expect.poll(() => page.textContent('#health')).toMatch(/ok/i);

    await page.fill('#registry', MINI_REGISTRY);
    await page.fill('#token', 'wrong-token');
    await page.click('#generate button[type=submit]');
    await expect.poll(() => page.textContent('#generate-error'), { timeout: 10_000 }).toMatch(/token/i);

    await page.fill('#token', h.token);
    await page.click('#generate button[type=submit]');
    await expect.poll(() => page.textContent('#generations'), { timeout: 60_000 }).toMatch(/succeeded/);
    await expect.poll(() => page.textContent('#generations'), { timeout: 10_000 }).toMatch(/typescript/);
    const shot = join(await mkdtemp(join(tmpdir(), 'wg-dash-')), 'dashboard.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    expect(errors).toEqual([]);
    console.log(`dashboard screenshot: ${shot}`);
  });
});
