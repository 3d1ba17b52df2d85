/**
 * Which Chromium the browser tests drive: Debian's `/usr/bin/chromium` when the machine has it (CI
 * installs it), else the headless Chromium that `@sparticuz/chromium` ships inside its npm package,
 * unpacked to a temp folder on first use, so `npm ci && npm test` needs nothing from apt.
 */
import { access, constants, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

export const SYSTEM_CHROMIUM = '/usr/bin/chromium';

const COMMON_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface ChromiumLaunch {
  executablePath: string;
  args: string[];
  source: 'system' | '@sparticuz/chromium';
}

/** The system Chromium if executable at `systemPath` (`LOA_TEST_CHROMIUM` overrides), else the npm-shipped one. */
export async function findChromium(
  systemPath = process.env.LOA_TEST_CHROMIUM ?? SYSTEM_CHROMIUM,
): Promise<ChromiumLaunch> {
  try {
    await access(systemPath, constants.X_OK);
    return { executablePath: systemPath, args: COMMON_ARGS, source: 'system' };
  } catch {
    const { default: packaged } = await import('@sparticuz/chromium');
    const executablePath = await packaged.executablePath();
    // Its own flags first (made for a sandbox-less, GPU-less host), then ours; duplicates are harmless.
    return { executablePath, args: [...packaged.args, ...COMMON_ARGS], source: '@sparticuz/chromium' };
  }
}

export interface OpenChromium {
  page: Page;
  context: BrowserContext;
  source: ChromiumLaunch['source'];
  /** Closes the browser and removes its profile. */
  close(): Promise<void>;
}

/**
 * findChromium's Chromium, headless, on a fresh profile (nothing from an earlier run, storage or
 * cache, leaks in), with its first page.
 */
export async function openChromium(systemPath?: string): Promise<OpenChromium> {
  const browser = await findChromium(systemPath);
  const profile = await mkdtemp(join(tmpdir(), 'loa-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: browser.executablePath,
    args: browser.args,
    headless: true,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  return {
    page,
    context,
    source: browser.source,
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
    },
  };
}
