// The renderer's Content-Security-Policy in development only. `electron-vite dev` injects the
// styles of each component as <style> elements (HMR), which `style-src 'self'` blocks: the
// dev server's page gets 'unsafe-inline' for styles, and nothing else changes. `build` never
// applies this plugin, so production keeps `style-src 'self'` (test/dev-tools.test.ts).

/** The index.html with the dev-only style policy. */
export function devContentSecurityPolicy(html) {
  return html.replace(/(http-equiv="Content-Security-Policy"[\s\S]*?content="[^"]*?style-src 'self')(;|")/, "$1 'unsafe-inline'$2")
}

/** Vite plugin: applied by the dev server only (`apply: 'serve'`). */
export function devCspPlugin() {
  return { name: 'nara-dev-csp', apply: 'serve', transformIndexHtml: (html) => devContentSecurityPolicy(html) }
}
