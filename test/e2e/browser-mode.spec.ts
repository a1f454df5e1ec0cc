/**
 * Browser mode's page as the browser sees it: the token leaves the address bar and no request for
 * the page's files carries it, the page's policy forbids plugins, <base> and form posting, and a
 * reload still connects (the token is kept for the tab only).
 */

import { expect, test } from '@playwright/test';
import { openApp } from './helpers';

test('the token is not in the address bar or any file request; the policy is strict; reload reconnects', async ({ page }) => {
  const requested: string[] = [];
  page.on('request', (r) => requested.push(r.url()));
  const first = page.waitForResponse((r) => new URL(r.url()).pathname === '/');
  const errors = await openApp(page);
  const policy = (await first).headers()['content-security-policy'];
  for (const directive of ["object-src 'none'", "base-uri 'none'", "form-action 'none'", "frame-ancestors 'none'"]) expect(policy).toContain(directive);
  expect((await first).headers()['referrer-policy']).toBe('no-referrer');

  expect(page.url()).not.toContain('token');
  expect(requested.filter((u) => u.includes('token'))).toEqual([]);

  // After a reload the page calls the server again over a socket the server accepted.
  const frames: string[] = [];
  page.on('websocket', (ws) => ws.on('framereceived', (f) => frames.push(String(f.payload))));
  await page.reload();
  await expect(page.getByTestId('node-input')).toBeVisible();
  expect(page.url()).not.toContain('token');
  await page.getByTestId('tab-train').click();
  await expect.poll(() => frames.some((f) => /"type":"result".*"ok":true/.test(f)), { timeout: 30_000 }).toBe(true);
  expect(errors).toEqual([]);
});
