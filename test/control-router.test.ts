import { describe, expect, it } from 'vitest'
import { createCommandRouter, parseRequestText } from '../main/core/bus/control/router'
import { FakeNode, neighbour } from './control-fixtures'

describe('command router', () => {
  const node = new FakeNode('alpha', [neighbour('beta'), neighbour('gamma', 'OFFLINE')])
  const route = createCommandRouter(node, {
    'settings.get': () => ({ ok: true, settings: { theme: 'dark' } }),
    health: () => {
      throw new Error('survey unavailable')
    }
  })

  it('answers status, peers, join, leave through the NodeControl', async () => {
    expect(await route({ cmd: 'status' })).toMatchObject({ ok: true, name: 'alpha', ledgerSize: 42, state: 'offline' })
    const peers = await route({ cmd: 'peers' })
    expect(peers.ok && (peers.peers as unknown[]).length).toBe(2)
    expect(await route({ cmd: 'join' })).toEqual({ ok: true, state: 'online' })
    expect(await route({ cmd: 'leave' })).toEqual({ ok: true, state: 'offline' })
  })

  it('uses extra handlers and turns a throwing one into an error reply', async () => {
    expect(await route({ cmd: 'settings.get' })).toEqual({ ok: true, settings: { theme: 'dark' } })
    expect(await route({ cmd: 'health' })).toEqual({ ok: false, error: 'survey unavailable' })
    expect(await route({ cmd: 'soul.export', confirm: true })).toEqual({ ok: false, error: 'command not available here: soul.export' })
  })

  it.each([
    [null, 'request must be a JSON object'],
    [[1, 2], 'request must be a JSON object'],
    ['status', 'request must be a JSON object'],
    [{}, 'missing "cmd"'],
    [{ cmd: 7 }, 'missing "cmd"'],
    [{ cmd: 'reboot' }, 'unknown command: reboot'],
    [{ cmd: 'x'.repeat(500) }, `unknown command: ${'x'.repeat(64)}`]
  ])('rejects %j', async (req, error) => {
    expect(await route(req)).toEqual({ ok: false, error })
  })

  it('rejects wrong shapes of known commands', async () => {
    const a = await route({ cmd: 'status', extra: 1 })
    expect(a.ok).toBe(false)
    const b = await route({ cmd: 'soul.export', confirm: 'yes' })
    expect(b.ok === false && b.error).toMatch(/^invalid soul.export request: confirm/)
    const c = await route({ cmd: 'settings.set', settings: [] })
    expect(c.ok).toBe(false)
  })

  it('parses request text with a size cap', () => {
    expect(parseRequestText('{"cmd":"status"}')).toEqual({ ok: true, value: { cmd: 'status' } })
    expect(parseRequestText('{oops')).toEqual({ ok: false, reply: { ok: false, error: 'malformed JSON' } })
    expect(parseRequestText(' '.repeat(70_000))).toEqual({ ok: false, reply: { ok: false, error: 'request too large' } })
  })
})
