import { defineConfig } from '@playwright/test';

// Debian's Chromium (CHROMIUM_PATH elsewhere): the build machine is offline, so Playwright's own
// browser download is not available.
export default defineConfig({
  testDir: 'test/e2e',
  // The Electron spec belongs to the shell and runs on its own terms.
  testIgnore: ['**/electron.spec.ts'],
  globalSetup: './test/e2e/global-setup.ts',
  workers: 1,
  fullyParallel: false,
  timeout: 120_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: 'test-results/e2e',
  use: {
    viewport: { width: 1440, height: 900 },
    deviceScaleFactor: 1,
    acceptDownloads: true,
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
    },
  },
});
