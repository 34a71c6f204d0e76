// Bundles the headless node and CLI (main/core + main/cli) for plain Node: no Electron involved.
import { build } from 'esbuild'

await build({
  entryPoints: { nara: 'main/cli/entry.ts' },
  outdir: 'out/cli',
  outExtension: { '.js': '.mjs' },
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  packages: 'external',
  sourcemap: true,
  logLevel: 'warning',
  banner: { js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);" }
})
console.log('built out/cli/nara.mjs')
