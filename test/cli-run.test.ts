import { afterEach, describe, expect, it } from 'vitest'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import run, { type RunSignals } from '../main/cli/commands/run'
import type { CliIO } from '../main/cli/io'
import { freePort } from './support/brokers'
import { eventually, makeNode } from './support/nodes'
import { probeBroker } from '../main/core/plaza/embeddedBroker'
import { repoRoot } from './support/vectors'

const cleanups: (() => Promise<void> | void)[] = []
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!()
})

function captureIO(env: Record<string, string | undefined> = {}): CliIO & { lines: string[]; errs: string[] } {
  const lines: string[] = []
  const errs: string[] = []
  return { lines, errs, out: (l) => lines.push(l), err: (l) => errs.push(l), readStdin: async () => '', env }
}

function manualSignals(): RunSignals & { fire(): void } {
  let h: (() => void) | null = null
  return { onStop: (fn) => ((h = fn), () => (h = null)), fire: () => h?.() }
}

/** `nara run ARGS` in its own runtime directory, once its control socket is up. */
async function startedRun(args: string[]) {
  const runtime = mkdtempSync(join(tmpdir(), 'nara-run-'))
  cleanups.push(() => rmSync(runtime, { recursive: true, force: true }))
  const io = captureIO({ XDG_RUNTIME_DIR: runtime })
  const sig = manualSignals()
  const done = run(args, io, sig)
  await eventually(() => expect(io.errs.some((l) => l.startsWith('control socket:'))).toBe(true), 8000)
  return { io, sig, done, runtime }
}

describe('nara run', () => {
  it('rejects bad flags with a clear message', async () => {
    const io = captureIO()
    expect(await run(['--bogus'], io)).toBe(2)
    expect(io.errs.join('\n')).toMatch(/bogus/)
    const io2 = captureIO()
    expect(await run(['--broker', 'http://x'], io2)).toBe(2)
    expect(io2.errs.join('\n')).toMatch(/scheme/)
    const io3 = captureIO()
    expect(await run(['--broker', 'mqtt://127.0.0.1:1', '--embedded-broker'], io3)).toBe(2)
    const io4 = captureIO()
    expect(await run(['--help'], io4)).toBe(0)
    expect(io4.lines.join('\n')).toMatch(/--embedded-broker/)
  })

  it('leave then join on the embedded plaza keeps our own broker; stop releases its port', async () => {
    const port = await freePort()
    const { io, sig, done, runtime } = await startedRun(['--name', 'rejoiner', `--embedded-broker=127.0.0.1:${port}`, '--transport', 'mqtt'])
    const { main } = await import('../main/cli/nara')
    expect(await main(['leave', '--name', 'rejoiner'], captureIO({ XDG_RUNTIME_DIR: runtime }))).toBe(0)
    expect(await main(['join', '--name', 'rejoiner'], captureIO({ XDG_RUNTIME_DIR: runtime }))).toBe(0)
    expect(io.errs.filter((l) => l.includes('plaza already'))).toEqual([])
    sig.fire()
    expect(await done).toBe(0)
    expect(await probeBroker('127.0.0.1', port, 300)).toBe(false)
  }, 20_000)

  it('a node that never reached its plaza does not claim to say chau when stopped', async () => {
    const port = await freePort()
    const { io, sig, done } = await startedRun(['--name', 'nevermet', '--broker', `mqtt://127.0.0.1:${port}`, '--transport', 'mqtt'])
    sig.fire()
    expect(await done).toBe(0)
    expect(io.errs).not.toContain('saying chau')
    expect(io.errs).toContain('stopping (never got online, so no chau to say)')
  }, 15_000)

  it('embedded plaza + a second node with --broker: each logs the other; stop → chau and return within 2 s', async () => {
    const port = await freePort()
    const runtime = mkdtempSync(join(tmpdir(), 'nara-run-'))
    cleanups.push(() => rmSync(runtime, { recursive: true, force: true }))
    const env = { XDG_RUNTIME_DIR: runtime }
    const ioA = captureIO(env)
    const sigA = manualSignals()
    const a = run(['--name', 'runalpha', `--embedded-broker=127.0.0.1:${port}`], ioA, sigA)
    await eventually(() => expect(ioA.errs.some((l) => l.includes('plaza:'))).toBe(true), 8000)
    const ioB = captureIO(env)
    const sigB = manualSignals()
    const b = run(['--name', 'runbeta', '--broker', `mqtt://127.0.0.1:${port}`], ioB, sigB)
    await eventually(() => {
      expect(ioB.lines).toContain('+ runalpha ONLINE')
      expect(ioA.lines).toContain('+ runbeta ONLINE')
    }, 15000)
    const t0 = Date.now()
    sigB.fire()
    expect(await b).toBe(0)
    expect(Date.now() - t0).toBeLessThan(2000)
    await eventually(() => expect(ioA.lines).toContain('- runbeta OFFLINE'))
    sigA.fire()
    expect(await a).toBe(0)
    expect(await probeBroker('127.0.0.1', port, 300)).toBe(false)
  }, 30_000)

  it('`nara run` with no arguments joins its embedded plaza; another node on mqtt://127.0.0.1:1883 sees it; SIGTERM → chau, exit within 2 s', async () => {
    const name = `noargs${process.pid}`
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'main/cli/entry.ts'), 'run'], {
      cwd: repoRoot,
      env: { ...process.env, NARA_ID: name, MQTT_HOST: '', MQTT_USER: '', MQTT_PASS: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)))
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    await eventually(() => expect(err).toMatch(/plaza: mqtt:\/\/127\.0\.0\.1:1883/), 15000, 50)
    const watcher = makeNode(`watch${process.pid}`, 'mqtt://127.0.0.1:1883')
    cleanups.push(() => watcher.stop())
    await watcher.start()
    await eventually(() => expect(watcher.neighbour(name)?.status).toBe('ONLINE'), 12000)
    const t0 = Date.now()
    child.kill('SIGTERM')
    expect(await exited).toBe(0)
    expect(Date.now() - t0).toBeLessThan(2500)
    await eventually(() => expect(watcher.neighbour(name)?.status).toBe('OFFLINE'), 3000)
  }, 40_000)

  it('one Ctrl-C delivered several times (terminal group, npm, start script) still ends in chau and exit 0, not a kill', async () => {
    const port = await freePort()
    const runtime = mkdtempSync(join(tmpdir(), 'nara-run-sig-'))
    cleanups.push(() => rmSync(runtime, { recursive: true, force: true }))
    const name = `sigint${process.pid}`
    const child = spawn(process.execPath, ['--import', 'tsx', join(repoRoot, 'main/cli/entry.ts'), 'run', '--name', name, `--embedded-broker=127.0.0.1:${port}`], {
      cwd: repoRoot,
      env: { ...process.env, XDG_RUNTIME_DIR: runtime, MQTT_HOST: '', MQTT_USER: '', MQTT_PASS: '' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let err = ''
    child.stderr.on('data', (d) => (err += d))
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((r) => child.on('exit', (code, signal) => r({ code, signal })))
    cleanups.push(() => {
      if (child.exitCode === null) child.kill('SIGKILL')
    })
    await eventually(() => expect(err).toMatch(/online on the plaza/), 20000, 50)
    child.kill('SIGINT')
    child.kill('SIGINT')
    await new Promise((r) => setTimeout(r, 20))
    child.kill('SIGINT')
    expect(await exited).toEqual({ code: 0, signal: null })
    expect(err).toMatch(/saying chau/)
  }, 40_000)
})
