// Debian's Chromium for the root package's browser checks (playwright-core drives it; tools
// that download their own browser fail here). The panel plugin's runners have the same
// two facts in grafana-plugin/tests/chromium.mjs (a separate package). Here, not in test/:
// the benches ship in dist/, test code does not.
import { chromium, type Browser } from 'playwright-core';

export const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';

/** Headless in a root container, no network chatter of its own. */
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export function launchChromium(): Promise<Browser> {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}
