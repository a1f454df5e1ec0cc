import { defineConfig } from '@playwright/test';

// The desktop smoke test alone: it launches Electron itself (no browser, no server), and skips
// with a printed reason where Electron's binary is not installed.
export default defineConfig({
  testDir: '.',
  testMatch: 'electron.spec.ts',
  workers: 1,
  timeout: 180_000,
  expect: { timeout: 15_000 },
  reporter: [['list']],
  outputDir: '../../test-results/electron',
});
