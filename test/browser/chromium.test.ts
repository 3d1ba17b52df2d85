/**
 * A machine without Debian's Chromium still runs the browser tests: the Chromium that
 * @sparticuz/chromium ships in its npm package launches and renders Vietnamese text.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { findChromium } from '#test/support/chromium.ts';

describe('findChromium', () => {
  it('falls back to the npm-shipped Chromium when the system one is absent, and it renders a page', async () => {
    const missing = join(tmpdir(), 'no-such-chromium');
    const browser = await findChromium(missing);
    expect(browser.source).toBe('@sparticuz/chromium');
    const profile = await mkdtemp(join(tmpdir(), 'loa-chromium-npm-'));
    const context = await chromium.launchPersistentContext(profile, {
      executablePath: browser.executablePath,
      args: browser.args,
      headless: true,
    });
    try {
      const page = context.pages()[0] ?? (await context.newPage());
      await page.setContent('<meta charset="utf-8"><h1>Cao nguyên đá Đồng Văn</h1>');
      expect(await page.textContent('h1')).toBe('Cao nguyên đá Đồng Văn');
    } finally {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    }
  }, 120_000);
});
