/**
 * A machine without Debian's Chromium still runs the browser tests: the Chromium that
 * @sparticuz/chromium ships in its npm package launches and renders Vietnamese text.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openChromium } from '#test/support/chromium.ts';

describe('findChromium', () => {
  it('falls back to the npm-shipped Chromium when the system one is absent, and it renders a page', async () => {
    const missing = join(tmpdir(), 'no-such-chromium');
    const browser = await openChromium(missing);
    try {
      expect(browser.source).toBe('@sparticuz/chromium');
      await browser.page.setContent('<meta charset="utf-8"><h1>Cao nguyên đá Đồng Văn</h1>');
      expect(await browser.page.textContent('h1')).toBe('Cao nguyên đá Đồng Văn');
    } finally {
      await browser.close();
    }
  }, 120_000);
});
