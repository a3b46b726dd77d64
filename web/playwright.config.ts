import { defineConfig } from '@playwright/test';

// Runs against the real local stack started by scripts/e2e.sh (MARKETDESK_URL), with Debian's
// chromium: Playwright never downloads a browser here.
export default defineConfig({
  testDir: 'tests/e2e',
  outputDir: 'test-results/artifacts',
  fullyParallel: false,
  workers: 1,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  use: {
    baseURL: process.env.MARKETDESK_URL ?? 'http://127.0.0.1:8080',
    viewport: { width: 1280, height: 860 },
    launchOptions: { executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', args: ['--no-sandbox'] },
    trace: 'off',
    screenshot: 'only-on-failure',
  },
});
