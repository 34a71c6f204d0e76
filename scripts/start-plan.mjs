// What `npm start` must do before starting, as plain functions (test/dev-tools.test.ts):
// rebuild when a source is newer than the built output, and run npm through a shell on Windows
// (npm is npm.cmd there; spawning it without a shell fails).
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'

export const SOURCES = ['main', 'preload', 'renderer', 'package.json', 'electron.vite.config.ts', 'scripts/build-cli.mjs']
export const OUTPUTS = ['out/main/index.js', 'out/preload/index.cjs', 'out/renderer/index.html', 'out/cli/nara.mjs']

function newestMtime(path) {
  let st
  try {
    st = statSync(path)
  } catch {
    return 0
  }
  if (!st.isDirectory()) return st.mtimeMs
  let newest = st.mtimeMs
  for (const entry of readdirSync(path)) {
    if (entry === 'node_modules' || entry.startsWith('.')) continue
    newest = Math.max(newest, newestMtime(join(path, entry)))
  }
  return newest
}

/** 'missing' | 'stale' | null (up to date). */
export function buildNeeded(root) {
  let oldestOutput = Infinity
  for (const o of OUTPUTS) {
    try {
      oldestOutput = Math.min(oldestOutput, statSync(join(root, o)).mtimeMs)
    } catch {
      return 'missing'
    }
  }
  const newestSource = Math.max(...SOURCES.map((s) => newestMtime(join(root, s))))
  return newestSource > oldestOutput ? 'stale' : null
}

/** How to spawn npm on this platform. */
export function npmSpawn(platform = process.platform) {
  return platform === 'win32' ? { command: 'npm.cmd', shell: true } : { command: 'npm', shell: false }
}
