import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { main } from '../main/cli/nara'
import type { CliIO } from '../main/cli/io'
import { findControlSocket, takeNameOption } from '../main/cli/control-client'
import { startControlSocket, type ControlSocket } from '../main/core/bus/nng/controlSocket'
import { FakeNode, neighbour } from './control-fixtures'

let dir: string
const sockets: ControlSocket[] = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nara-cli-'))
})
afterEach(async () => {
  for (const s of sockets.splice(0)) await s.close()
  rmSync(dir, { recursive: true, force: true })
})

function io(): CliIO & { stdout: string[]; stderr: string[] } {
  const stdout: string[] = []
  const stderr: string[] = []
  return {
    stdout,
    stderr,
    out: (l) => stdout.push(l),
    err: (l) => stderr.push(l),
    readStdin: async () => '',
    env: { XDG_RUNTIME_DIR: dir }
  }
}

/** A socket file whose listener was killed (SIGKILL: nothing cleaned up), as a crashed node leaves it. */
async function socketOfKilledNode(path: string): Promise<string> {
  const killed = spawn('/usr/bin/nngcat', ['--rep', '--listen', `ipc://${path}`, '--data', 'x'], { stdio: 'ignore' })
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 25))
  await new Promise<void>((r) => {
    killed.on('close', () => r())
    killed.kill('SIGKILL')
  })
  return path
}

async function run(name: string, peers = [neighbour('beta'), neighbour('gamma', 'MISSING')]): Promise<FakeNode> {
  const node = new FakeNode(name, peers)
  sockets.push(await startControlSocket(node, name, { env: { XDG_RUNTIME_DIR: dir } }))
  return node
}

describe('nara status / peers / join / leave over the control socket', () => {
  it('status prints a summary, or the full reply with --json', async () => {
    await run('alpha')
    const a = io()
    expect(await main(['status'], a)).toBe(0)
    expect(a.stdout.join('\n')).toMatch(/^name\s+alpha$/m)
    expect(a.stdout.join('\n')).toMatch(/^ledger\s+42$/m)
    const b = io()
    expect(await main(['status', '--json'], b)).toBe(0)
    expect(JSON.parse(b.stdout.join('\n'))).toMatchObject({ ok: true, name: 'alpha', state: 'offline', neighboursOnline: 1 })
  })

  it('peers --json lists the NeighbourViews', async () => {
    await run('alpha')
    const o = io()
    expect(await main(['peers', '--json'], o)).toBe(0)
    const peers = JSON.parse(o.stdout.join('\n')) as Array<{ name: string; status: string }>
    expect(peers.map((p) => [p.name, p.status])).toEqual([
      ['beta', 'ONLINE'],
      ['gamma', 'MISSING']
    ])
    const table = io()
    expect(await main(['peers'], table)).toBe(0)
    expect(table.stdout[0]).toMatch(/^NAME\s+STATUS\s+TRUST\s+VIA\s+VERSION$/)
    expect(table.stdout[1]).toMatch(/^beta\s+ONLINE\s+verified\s+plaza\s+0\.1$/)
  })

  it('join and leave drive the running node', async () => {
    const node = await run('alpha')
    const j = io()
    expect(await main(['join'], j)).toBe(0)
    expect(j.stdout).toEqual(['state: online'])
    expect(node.state).toBe('online')
    const l = io()
    expect(await main(['leave', '--json'], l)).toBe(0)
    expect(JSON.parse(l.stdout[0]!)).toEqual({ ok: true, state: 'offline' })
    expect(node.leaves).toBe(1)
  })

  it('no running node: a clear error and exit 1', async () => {
    const o = io()
    expect(await main(['status'], o)).toBe(1)
    expect(o.stderr.join('\n')).toMatch(/no running nara found .*nara run/)
  })

  it('several nodes: asks for --name, and --name picks one', async () => {
    await run('alpha')
    const bravo = await run('bravo')
    const o = io()
    expect(await main(['status'], o)).toBe(1)
    expect(o.stderr.join('\n')).toMatch(/several naras are running \(alpha, bravo\); pick one with --name/)
    const p = io()
    expect(await main(['join', '--name', 'bravo'], p)).toBe(0)
    expect(bravo.state).toBe('online')
    const q = io()
    expect(await main(['status', '--json', '--name=alpha'], q)).toBe(0)
    expect(JSON.parse(q.stdout.join('\n')).name).toBe('alpha')
    const r = io()
    expect(await main(['status', '--name', 'charlie'], r)).toBe(1)
    expect(r.stderr.join('\n')).toMatch(/no running nara named 'charlie'/)
  })

  it('a socket left by a dead node gives a clear error', async () => {
    mkdirSync(join(dir, 'nara'), { mode: 0o700 })
    const path = await socketOfKilledNode(join(dir, 'nara', 'ghost.sock'))
    expect(existsSync(path)).toBe(true)
    // Detected (the connection is refused), removed, and not listed as a running nara.
    expect(await findControlSocket(undefined, { env: { XDG_RUNTIME_DIR: dir } })).toMatchObject({ ok: false, error: expect.stringMatching(/no running nara found .*removed 1 stale socket .*\(ghost\)/) })
    expect(existsSync(path)).toBe(false)
    const o = io()
    expect(await main(['status'], o)).toBe(1)
    expect(o.stderr.join('\n')).toMatch(/no running nara found/)
    expect(o.stderr.join('\n')).not.toMatch(/ghost/)
  })

  it('a stale socket next to a live node: the live one is picked, the stale one removed', async () => {
    await run('alive')
    const path = await socketOfKilledNode(join(dir, 'nara', 'ghost2.sock'))
    const o = io()
    expect(await main(['status', '--json'], o)).toBe(0)
    expect(JSON.parse(o.stdout.join('\n')).name).toBe('alive')
    expect(existsSync(path)).toBe(false)
    const n = io()
    expect(await main(['status', '--name', 'ghost2'], n)).toBe(1)
    expect(n.stderr.join('\n')).toMatch(/no running nara named 'ghost2' \(no socket at/)
  })

  it('rejects unknown options with usage (exit 2)', async () => {
    const o = io()
    expect(await main(['status', '--verbose'], o)).toBe(2)
    expect(o.stderr.join('\n')).toMatch(/unknown option --verbose/)
  })

  it('names with odd characters round-trip through the socket file name', async () => {
    await run('ünï/cöde nara')
    const o = io()
    expect(await main(['status', '--json'], o)).toBe(0)
    expect(JSON.parse(o.stdout.join('\n')).name).toBe('ünï/cöde nara')
    expect(takeNameOption(['--json', '--name', 'x'])).toEqual({ name: 'x', rest: ['--json'] })
  })
})
