import { describe, expect, it } from 'vitest'
import { createReconfigurer } from '../main/core/runtime/reconfigure'
import { changeNeedsRejoin, DEFAULT_SETTINGS, mergeSettings, notificationSwitches, repairSettings, validateSettings, type Settings } from '../main/core/runtime/settings-schema'
import type { NodeState } from '../main/core/views'

function problemsOf(patch: Record<string, unknown>) {
  const r = mergeSettings(DEFAULT_SETTINGS, patch)
  if (r.ok) throw new Error(`expected rejection of ${JSON.stringify(patch)}`)
  return r.problems
}

describe('settings schema', () => {
  it('accepts the defaults and a realistic configuration', () => {
    expect(validateSettings(DEFAULT_SETTINGS).ok).toBe(true)
    const r = mergeSettings(DEFAULT_SETTINGS, {
      plaza: 'broker',
      brokerUrl: 'tls://broker.example.org:8883',
      mqttUser: 'lisa',
      name: 'lisa',
      transport: 'gossip',
      meshListen: '0.0.0.0:7433',
      meshIP: '100.64.0.7',
      notifications: { missing: false }
    })
    expect(r.ok).toBe(true)
    if (r.ok) expect(r.settings.notifications).toEqual({ enabled: true, joined: true, left: true, missing: false, back: true })
  })

  it.each<[Record<string, unknown>, string, RegExp]>([
    [{ brokerUrl: 'not a url' }, 'brokerUrl', /is not a broker address; use e\.g\. mqtts:\/\//],
    [{ brokerUrl: 'http://example.org' }, 'brokerUrl', /must start with mqtt:\/\/.*\(got http:\/\/\)/],
    [{ brokerUrl: 'mqtt://lisa:hunter2@example.org' }, 'brokerUrl', /password in the keychain/],
    [{ name: '' }, 'name', /cannot be empty/],
    [{ name: 'my nara' }, 'name', /cannot contain spaces/],
    [{ name: 'a/b' }, 'name', /cannot contain/],
    [{ name: 'x'.repeat(64) }, 'name', /at most 63/],
    [{ transport: 'carrier-pigeon' }, 'transport', /one of: mqtt, gossip, hybrid/],
    [{ meshListen: '7433' }, 'meshListen', /host:port/],
    [{ meshListen: ':70000' }, 'meshListen', /between 1 and 65535/],
    [{ meshIP: '300.1.2.3' }, 'meshIP', /IPv4 address/],
    [{ notifications: { joined: 'yes' } }, 'notifications.joined', /"joined" switch must be true or false/],
    [{ startAtLogin: 1 }, 'startAtLogin', /Start at login must be true or false/],
    [{ plaza: 'moon' }, 'plaza', /Plaza must be/],
    [{ favouriteColour: 'blue' }, '(settings)', /Unknown setting\(s\): favouriteColour/]
  ])('rejects %j with a clear message', (patch, field, message) => {
    const problems = problemsOf(patch)
    expect(problems).toHaveLength(1)
    expect(problems[0]?.field).toBe(field)
    expect(problems[0]?.message).toMatch(message)
  })

  it('rejects non-objects', () => {
    expect(mergeSettings(DEFAULT_SETTINGS, 'x')).toEqual({ ok: false, problems: [{ field: '(settings)', message: 'Settings must be an object' }] })
    expect(validateSettings(null).ok).toBe(false)
  })

  it('repairs a damaged settings file field by field', () => {
    const repaired = repairSettings({ ...DEFAULT_SETTINGS, name: 'lisa', transport: 42, brokerUrl: 'wss://ok.example.org', junk: 1 })
    expect(repaired).toEqual({ ...DEFAULT_SETTINGS, name: 'lisa', brokerUrl: 'wss://ok.example.org' })
    expect(repairSettings('garbage')).toEqual(DEFAULT_SETTINGS)
  })

  it('knows which changes need a rejoin and maps notification switches', () => {
    expect(changeNeedsRejoin(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, startAtLogin: true })).toBe(false)
    expect(changeNeedsRejoin(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, brokerUrl: 'mqtt://10.0.0.2' })).toBe(true)
    expect(notificationSwitches({ ...DEFAULT_SETTINGS, notifications: { ...DEFAULT_SETTINGS.notifications, left: false } }).categories.left).toBe(false)
  })
})

class RecordingNode {
  state_: NodeState
  log: string[] = []
  constructor(state: NodeState) {
    this.state_ = state
  }
  state() {
    return this.state_
  }
  async leave() {
    this.log.push('leave')
    await new Promise((r) => setTimeout(r, 5))
    this.state_ = 'offline'
  }
  async join() {
    this.log.push('join')
    this.state_ = 'online'
  }
  reconfigure(s: Settings) {
    this.log.push(`reconfigure:${s.brokerUrl}`)
  }
}

describe('changing the broker re-joins cleanly', () => {
  it('online: leave → reconfigure → join, in that order', async () => {
    const node = new RecordingNode('online')
    const apply = createReconfigurer(node)
    const steps = await apply(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, brokerUrl: 'mqtt://10.0.0.2:1883' })
    expect(steps).toEqual(['leave', 'reconfigure', 'join'])
    expect(node.log).toEqual(['leave', 'reconfigure:mqtt://10.0.0.2:1883', 'join'])
  })

  it('offline (after a manual Leave): reconfigure only, stays offline', async () => {
    const node = new RecordingNode('offline')
    const steps = await createReconfigurer(node)(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, brokerUrl: 'mqtt://10.0.0.2' })
    expect(steps).toEqual(['reconfigure'])
    expect(node.state()).toBe('offline')
  })

  it('two quick edits do not interleave their leave/join', async () => {
    const node = new RecordingNode('online')
    const apply = createReconfigurer(node)
    const a = { ...DEFAULT_SETTINGS, brokerUrl: 'mqtt://10.0.0.2' }
    const b = { ...a, brokerUrl: 'mqtt://10.0.0.3' }
    await Promise.all([apply(DEFAULT_SETTINGS, a), apply(a, b)])
    expect(node.log).toEqual(['leave', 'reconfigure:mqtt://10.0.0.2', 'join', 'leave', 'reconfigure:mqtt://10.0.0.3', 'join'])
  })

  it('a setting that does not touch the network changes nothing', async () => {
    const node = new RecordingNode('online')
    expect(await createReconfigurer(node)(DEFAULT_SETTINGS, { ...DEFAULT_SETTINGS, startAtLogin: true })).toEqual([])
    expect(node.log).toEqual([])
  })
})
