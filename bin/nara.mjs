#!/usr/bin/env node
// Thin launcher: the CLI is bundled by `npm run build` (scripts/build-cli.mjs).
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const bundle = new URL('../out/cli/nara.mjs', import.meta.url)
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write('nara: not built yet; run `npm run build` first\n')
  process.exit(1)
}
await import(bundle.href)
