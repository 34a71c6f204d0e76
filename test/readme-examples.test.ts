/**
 * README's "Talking to a running node" example, run as written (bash, npx, nngcat) against a
 * running `nara run`, on a machine where XDG_RUNTIME_DIR is not set: the socket path comes from
 * `nara status`, so the example cannot point at a directory that does not exist.
 */
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { startAedes, type TestBroker } from './support/brokers'
import { eventually } from './support/nodes'
import { repoRoot } from './support/vectors'

let broker: TestBroker | null = null
const cleanups: (() => void | Promise<void>)[] = []
afterAll(async () => {
  for (const c of cleanups.reverse()) await c()
  await broker?.stop()
})

/** The first ```sh block after `heading` in README.md. */
function readmeBlock(heading: string): string {
  const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8')
  const section = readme.slice(readme.indexOf(heading))
  const m = /```sh\n([\s\S]*?)```/.exec(section)
  if (!m) throw new Error(`no sh block after ${heading}`)
  return m[1]!
}

describe('README examples, as written', () => {
  it('the nngcat example works with XDG_RUNTIME_DIR unset (socket path from `npx nara status`)', async () => {
    if (!existsSync(join(repoRoot, 'out/cli/nara.mjs'))) throw new Error('The CLI is not built (out/cli/nara.mjs): run `npm run build` (npm test does).')
    const block = readmeBlock('## Talking to a running node')
    expect(block).toContain('npx nara status')
    broker = await startAedes()
    const tmp = mkdtempSync(join(tmpdir(), 'nara-readme-'))
    cleanups.push(() => rmSync(tmp, { recursive: true, force: true }))
    const env: NodeJS.ProcessEnv = { ...process.env, TMPDIR: tmp, MQTT_HOST: '', MQTT_USER: '', MQTT_PASS: '', NARA_ID: '' }
    delete env.XDG_RUNTIME_DIR
    const node = spawn(process.execPath, [join(repoRoot, 'bin/nara.mjs'), 'run', '--name', 'readme-node', '--broker', broker.url, '--transport', 'mqtt'], {
      cwd: repoRoot,
      env,
      stdio: ['ignore', 'ignore', 'pipe']
    })
    let err = ''
    node.stderr.on('data', (d) => (err += d))
    const exited = new Promise<number | null>((r) => node.on('exit', (code) => r(code)))
    cleanups.push(async () => {
      node.kill('SIGTERM')
      await exited
    })
    await eventually(() => expect(err).toMatch(/control socket: /), 15_000)
    const r = spawnSync('bash', ['-euo', 'pipefail', '-c', block], { cwd: repoRoot, env, encoding: 'utf8', timeout: 60_000 })
    expect(r.stderr).toBe('')
    expect(r.status).toBe(0)
    // nngcat --ascii ends a reply without a newline: the two replies follow each other directly.
    const [status, health] = r.stdout.trim().split(/(?<=\})\s*(?=\{"ok")/).map((l) => JSON.parse(l) as Record<string, unknown>)
    expect(status).toMatchObject({ ok: true, name: 'readme-node', controlSocket: join(tmp, `nara-${process.getuid!()}`, 'readme-node.sock') })
    expect(health).toMatchObject({ ok: true, subsystems: expect.objectContaining({ plaza: expect.anything() }) })
    node.kill('SIGTERM')
    expect(await exited).toBe(0)
  }, 90_000)
})
