/** The built `nara` CLI as a user starts it, for the suites that launch it (launch, idle). */
import { existsSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')

/** The launcher's path; throws with what to do when the CLI has not been built. */
export function builtCli(): string {
  if (!existsSync(join(root, 'out/cli/nara.mjs'))) throw new Error('the CLI is not built: run `npm run build` first')
  return join(root, 'bin/nara.mjs')
}
