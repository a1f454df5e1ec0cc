/**
 * The page's Content-Security-Policy. Everything comes from the app's own origin; styles may be
 * inline because React Flow and uPlot position elements with style attributes. No eval, no
 * remote scripts, no plugins, no framing, no form posts.
 */

const BASE: Record<string, string[]> = {
  'default-src': ["'self'"],
  'script-src': ["'self'"],
  'style-src': ["'self'", "'unsafe-inline'"],
  'img-src': ["'self'", 'data:', 'blob:'],
  'font-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'worker-src': ["'self'", 'blob:'],
  'object-src': ["'none'"],
  'base-uri': ["'none'"],
  'form-action': ["'none'"],
  'frame-ancestors': ["'none'"],
  'frame-src': ["'none'"],
};

/**
 * @param devServer origin of Vite's dev server when running unpackaged with hot reload: its
 *   React preamble is an inline script and HMR talks over a WebSocket, so only then are those two
 *   allowed, and only for that origin.
 */
export function contentSecurityPolicy(devServer?: string | null): string {
  const policy: Record<string, string[]> = Object.fromEntries(Object.entries(BASE).map(([k, v]) => [k, [...v]]));
  if (devServer) {
    const ws = devServer.replace(/^http/, 'ws');
    policy['script-src'].push("'unsafe-inline'", devServer);
    policy['connect-src'].push(devServer, ws);
  }
  return Object.entries(policy).map(([k, v]) => `${k} ${v.join(' ')}`).join('; ');
}
