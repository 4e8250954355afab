import { chromium, type Browser } from 'playwright-core';
import { CHROMIUM_ARGS, ensureChromium } from '../../src/local/chromium.ts';

/** Debian's Chromium, headless, with the project's one set of flags (src/local/chromium.ts). */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: ensureChromium(),
    headless: true,
    args: [...CHROMIUM_ARGS],
  });
}
