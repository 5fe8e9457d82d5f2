// Debian's Chromium through playwright-core, headless, as the browser test (e2e/console.mjs) and the bench
// (bench/console-bench.mjs) both start it: a fresh profile, no sandbox (CI runs as root), no background traffic, a
// fixed window, time zone and locale so screenshots and dates compare.
import { chromium } from 'playwright-core';

/** Launches a persistent context in `userDataDir`; `extra` adds or overrides launch options (downloads, ...). */
export function launchChromium(userDataDir, extra = {}) {
  return chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1280, height: 800 },
    timezoneId: 'UTC',
    locale: 'en-GB',
    ...extra,
  });
}
