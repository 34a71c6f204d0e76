// `npm start`: the desktop app where Electron can start; otherwise one line saying so and the
// node headless (`nara run`). Builds first when out/ is missing or older than the sources.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { buildNeeded, npmSpawn } from './start-plan.mjs'

const passThrough = process.argv.slice(2)

function run(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { stdio: 'inherit', ...opts })
  return r.status ?? 1
}

/** Resolves the Electron binary; Electron >= 42 downloads it on first use, which may fail offline. */
function electronBinary() {
  const probe = spawnSync(process.execPath, ['-e', "process.stdout.write(require('electron'))"], {
    cwd: process.cwd(),
    encoding: 'utf8',
    timeout: 120_000,
    stdio: ['ignore', 'pipe', 'pipe']
  })
  if (probe.status !== 0 || !probe.stdout || !existsSync(probe.stdout)) return null
  return probe.stdout
}

const why = buildNeeded(process.cwd())
if (why) {
  console.log(why === 'missing' ? 'Building (out/ is missing)…' : 'Rebuilding (sources are newer than out/)…')
  const npm = npmSpawn()
  if (run(npm.command, ['run', '--silent', 'build'], { shell: npm.shell }) !== 0) process.exit(1)
}

const electron = process.env.NARA_HEADLESS ? null : electronBinary()
let child
if (electron) {
  child = spawn(electron, ['.', ...passThrough], { stdio: 'inherit' })
} else {
  console.log('Electron cannot start on this machine (no Electron binary); running the nara node headless instead: nara run')
  child = spawn(process.execPath, ['bin/nara.mjs', 'run', ...passThrough], { stdio: 'inherit' })
}
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => child.kill(sig))
child.on('exit', (code, signal) => process.exit(code ?? (signal ? 0 : 1)))
