/**
 * Wire compatibility with the real NNG: Debian's nngcat (libnng) talks to our REP/RESPONDENT
 * control socket, and our REQ/SURVEYOR clients talk to nngcat's REP/RESPONDENT.
 */
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { startControlSocket } from '../main/core/bus/nng/controlSocket'
import { SpReqClient, SpSurveyorClient } from '../main/core/bus/nng/client'
import { startSpServer } from '../main/core/bus/nng/server'
import { controlSocketPath } from '../main/core/bus/nng/socketPath'
import { FakeNode, neighbour } from './control-fixtures'
import { nngcat, nngcatBackground } from './support/nngcat'

let dir: string
const cleanups: Array<() => unknown> = []
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'nng-'))
})
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
  rmSync(dir, { recursive: true, force: true })
})

async function waitForFile(path: string): Promise<void> {
  for (let i = 0; i < 200 && !existsSync(path); i++) await new Promise((r) => setTimeout(r, 25))
}

async function startNode(name = 'alpha') {
  const node = new FakeNode(name, [neighbour('beta')])
  const sock = await startControlSocket(node, name, { env: { XDG_RUNTIME_DIR: dir } })
  cleanups.push(() => sock.close())
  return { node, sock }
}

describe('NNG control socket against real nngcat', () => {
  it('lives at $XDG_RUNTIME_DIR/nara/<name>.sock with a 0700 dir and a 0600 socket', async () => {
    const { sock } = await startNode('alpha')
    expect(sock.path).toBe(join(dir, 'nara', 'alpha.sock'))
    expect(statSync(join(dir, 'nara')).mode & 0o777).toBe(0o700)
    expect(statSync(sock.path).mode & 0o777).toBe(0o600)
    expect(statSync(sock.path).isSocket()).toBe(true)
    await sock.close()
    expect(existsSync(sock.path)).toBe(false)
  })

  it('nngcat --req gets a correct JSON reply for status, peers, join and bad input', async () => {
    const { sock, node } = await startNode('alpha')
    const url = `ipc://${sock.path}`
    const status = await nngcat(['--req', '--dial', url, '--data', '{"cmd":"status"}', '--ascii'])
    expect(status.code).toBe(0)
    expect(JSON.parse(status.stdout)).toMatchObject({ ok: true, name: 'alpha', ledgerSize: 42 })
    const peers = await nngcat(['--req', '--dial', url, '--data', '{"cmd":"peers"}', '--quoted'])
    const quoted = JSON.parse(peers.stdout.trim()) as string
    expect(JSON.parse(quoted)).toMatchObject({ ok: true, peers: [{ name: 'beta' }] })
    const join = await nngcat(['--req', '--dial', url, '--data', '{"cmd":"join"}', '--ascii'])
    expect(JSON.parse(join.stdout)).toEqual({ ok: true, state: 'online' })
    expect(node.state).toBe('online')
    const bad = await nngcat(['--req', '--dial', url, '--data', 'not json', '--ascii'])
    expect(JSON.parse(bad.stdout)).toEqual({ ok: false, error: 'malformed JSON' })
    const unknown = await nngcat(['--req', '--dial', url, '--data', '{"cmd":"selfdestruct"}', '--ascii'])
    expect(JSON.parse(unknown.stdout)).toEqual({ ok: false, error: 'unknown command: selfdestruct' })
    expect(sock.stats.requests).toBe(5)
  })

  it('nngcat --surveyor collects the node answer within the deadline', async () => {
    const { sock } = await startNode('alpha')
    const started = Date.now()
    const r = await nngcat(['--surveyor', '--dial', `ipc://${sock.path}`, '--data', '{"cmd":"status"}', '--ascii'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true, name: 'alpha' })
    expect(Date.now() - started).toBeLessThan(8000)
    expect(sock.stats.surveys).toBe(1)
  })

  it('our REQ client speaks to nngcat --rep (real libnng REP)', async () => {
    const path = join(dir, 'rep.sock')
    const rep = nngcatBackground(['--rep', '--listen', `ipc://${path}`, '--data', '{"ok":true,"from":"nngcat"}'])
    cleanups.push(() => rep.stop())
    await waitForFile(path)
    const client = await SpReqClient.dial(path, { timeoutMs: 5000 })
    cleanups.push(() => client.close())
    expect(await client.requestJson({ cmd: 'status' })).toEqual({ ok: true, from: 'nngcat' })
    expect(await client.requestJson({ cmd: 'again' })).toEqual({ ok: true, from: 'nngcat' })
  })

  it('our SURVEYOR client collects from nngcat --respondent (real libnng RESPONDENT)', async () => {
    const path = join(dir, 'resp.sock')
    const resp = nngcatBackground(['--respondent', '--listen', `ipc://${path}`, '--data', 'here'])
    cleanups.push(() => resp.stop())
    await waitForFile(path)
    const s = await SpSurveyorClient.dial([path], { deadlineMs: 500 })
    cleanups.push(() => s.close())
    const r = await s.survey('are you ok?')
    expect(r.status).toBe('deadline')
    expect(r.answers.map((a) => a.body.toString())).toEqual(['here'])
  })

  it('removes a stale socket file but refuses to start beside a live node or over a non-socket', async () => {
    const path = controlSocketPath('alpha', { env: { XDG_RUNTIME_DIR: dir } })
    const { sock } = await startNode('alpha')
    await expect(startControlSocket(new FakeNode('alpha'), 'alpha', { env: { XDG_RUNTIME_DIR: dir } })).rejects.toThrow(/already listening/)
    await sock.close()
    // Leave a dead socket behind: a listener killed before it could unlink its file.
    const killed = nngcatBackground(['--rep', '--listen', `ipc://${path}`, '--data', 'x'])
    await waitForFile(path)
    await killed.stop('SIGKILL')
    expect(existsSync(path)).toBe(true)
    const again = await startControlSocket(new FakeNode('alpha'), 'alpha', { env: { XDG_RUNTIME_DIR: dir } })
    cleanups.push(() => again.close())
    const r = await nngcat(['--req', '--dial', `ipc://${again.path}`, '--data', '{"cmd":"status"}', '--ascii'])
    expect(JSON.parse(r.stdout)).toMatchObject({ ok: true })
    writeFileSync(join(dir, 'nara', 'file.sock'), 'not a socket')
    await expect(startControlSocket(new FakeNode('file'), 'file', { env: { XDG_RUNTIME_DIR: dir } })).rejects.toThrow(/not a socket/)
  })
})

describe('NNG semantics over real IPC sockets', () => {
  it('REQ resend: a REP that drops the first request still gets the request again and answers', async () => {
    const path = join(dir, 'flaky.sock')
    const seen: number[] = []
    const rep = await startSpServer(path, {
      handle: (body, ctx) => {
        seen.push(ctx.id)
        return seen.length === 1 ? null : Buffer.from(`re:${body.toString()}`)
      }
    })
    cleanups.push(() => rep.close())
    const client = await SpReqClient.dial(path, { resendMs: 100, timeoutMs: 5000 })
    cleanups.push(() => client.close())
    expect((await client.request('hello')).toString()).toBe('re:hello')
    expect(seen).toHaveLength(2)
    expect(seen[1]).toBe(seen[0])
    expect(client.stats.resent).toBeGreaterThanOrEqual(1)
  })

  it('survey deadline over IPC: a late respondent is dropped, a silent one simply missing', async () => {
    const fast = await startSpServer(join(dir, 'fast.sock'), { roles: ['respondent'], handle: () => Buffer.from('fast') })
    const slowReplies: Array<() => void> = []
    const slow = await startSpServer(join(dir, 'slow.sock'), {
      roles: ['respondent'],
      handle: () => new Promise<Buffer>((r) => slowReplies.push(() => r(Buffer.from('slow'))))
    })
    const silent = await startSpServer(join(dir, 'silent.sock'), { roles: ['respondent'], handle: () => null })
    cleanups.push(() => fast.close(), () => slow.close(), () => silent.close())
    const s = await SpSurveyorClient.dial([join(dir, 'fast.sock'), join(dir, 'slow.sock'), join(dir, 'silent.sock')], { deadlineMs: 300 })
    cleanups.push(() => s.close())
    const r = await s.survey('ok?')
    expect(r.status).toBe('deadline')
    expect(r.answers.map((a) => a.body.toString())).toEqual(['fast'])
    for (const release of slowReplies) release()
    await expect.poll(() => s.stats.lateAnswers).toBe(1)
    expect(silent.stats.surveys).toBe(1)
    // A second survey gets a fresh id: the stale answer from the first never counts.
    const r2 = await s.survey('again?', 200)
    expect(r2.answers.map((a) => a.body.toString())).toEqual(['fast'])
    expect(r2.id).not.toBe(r.id)
  })

  it('a REP socket refuses peers of the wrong protocol and garbage', async () => {
    const path = join(dir, 'strict.sock')
    const rep = await startSpServer(path, { roles: ['rep'], handle: () => Buffer.from('x') })
    cleanups.push(() => rep.close())
    const surveyor = SpSurveyorClient.dial([path])
    await expect(surveyor).rejects.toThrow(/handshake/)
    const r = await nngcat(['--push', '--dial', `ipc://${path}`, '--data', 'x'], 3000)
    expect(r.code).not.toBe(null)
    await expect.poll(() => rep.stats.closed.incompatible_peer ?? 0).toBeGreaterThanOrEqual(2)
  })
})
