import { describe, expect, it } from 'vitest'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { buildMenuModel, MAX_LISTED_NEIGHBOURS, type MenuItemModel } from '../main/desktop/menu-model'
import { trayIconFile, trayState } from '../main/desktop/tray-state'
import type { NodeState } from '../main/core/views'
import { repoRoot } from './support/vectors'

const byId = (items: MenuItemModel[], id: string) => items.find((i) => i.id === id)

describe('tray state', () => {
  it.each<[NodeState, number, string, RegExp]>([
    ['offline', 0, 'offline', /offline/],
    ['offline', 4, 'offline', /offline/],
    ['joining', 0, 'joining', /joining/],
    ['leaving', 3, 'joining', /chau/],
    ['online', 0, 'alone', /online, no neighbours online/],
    ['online', 1, 'neighbours', /online, 1 neighbour online/],
    ['online', 7, 'neighbours', /online, 7 neighbours online/]
  ])('%s with %i neighbours → icon %s', (nodeState, n, icon, tooltip) => {
    const s = trayState({ nodeState, neighboursOnline: n, name: 'lisa' })
    expect(s.icon).toBe(icon)
    expect(s.tooltip).toMatch(tooltip)
    expect(s.tooltip).toMatch(/^Nara Desktop — lisa\n/)
    expect(s.title).toBe(nodeState === 'online' && n > 0 ? String(n) : '')
  })

  it('shows a plain-words problem in the tooltip', () => {
    const s = trayState({ nodeState: 'offline', neighboursOnline: 0, name: null, problem: "Can't reach the plaza at 10.0.0.1:1883" })
    expect(s.tooltip).toBe("Nara Desktop\noffline (not on the plaza)\nCan't reach the plaza at 10.0.0.1:1883")
  })

  it('every icon state has template (1x, @2x) and coloured light/dark files in resources/, as real PNGs', () => {
    for (const icon of ['offline', 'joining', 'alone', 'neighbours'] as const) {
      for (const theme of ['template', 'light', 'dark'] as const) {
        const file = join(repoRoot, 'resources', trayIconFile(icon, theme))
        for (const f of [file, file.replace(/\.png$/, '@2x.png')]) {
          expect(existsSync(f), f).toBe(true)
          const b = readFileSync(f)
          expect(b.subarray(1, 4).toString('ascii')).toBe('PNG')
          const width = b.readUInt32BE(16)
          expect(width).toBe(f.includes('@2x') ? 32 : 16)
        }
      }
    }
    const app = readFileSync(join(repoRoot, 'resources', 'icon.png'))
    expect([app.readUInt32BE(16), app.readUInt32BE(20)]).toEqual([512, 512])
    expect(trayIconFile('alone', 'template')).toBe('tray-aloneTemplate.png')
  })
})

describe('tray menu model', () => {
  const base = { neighbours: [] as string[], notificationsOn: true, startAtLogin: false, startAtLoginSupported: true }

  it('offline: Join enabled, no Leave, neighbours disabled', () => {
    const m = buildMenuModel({ ...base, nodeState: 'offline' })
    expect(byId(m, 'join')).toMatchObject({ label: 'Join the plaza', enabled: true, action: { kind: 'join' } })
    expect(byId(m, 'leave')).toBeUndefined()
    expect(byId(m, 'neighbours')).toMatchObject({ enabled: false, label: 'Neighbours (offline)' })
  })

  it('joining: Join shown but disabled', () => {
    const m = buildMenuModel({ ...base, nodeState: 'joining' })
    expect(byId(m, 'join')).toMatchObject({ label: 'Joining…', enabled: false })
  })

  it('online: Leave (go quiet) and the neighbours listed, sorted, each opening its profile', () => {
    const m = buildMenuModel({ ...base, nodeState: 'online', neighbours: ['zed', 'amy', 'bob'] })
    expect(byId(m, 'join')).toBeUndefined()
    expect(byId(m, 'leave')).toMatchObject({ label: 'Leave (go quiet)', enabled: true, action: { kind: 'leave' } })
    const sub = byId(m, 'neighbours')
    expect(sub).toMatchObject({ type: 'submenu', label: '3 neighbours online', enabled: true })
    if (sub?.type !== 'submenu') throw new Error('expected submenu')
    expect(sub.items.map((i) => (i.type === 'action' ? i.action : null))).toEqual([
      { kind: 'open-profile', name: 'amy' },
      { kind: 'open-profile', name: 'bob' },
      { kind: 'open-profile', name: 'zed' }
    ])
  })

  it('leaving: Leave disabled', () => {
    expect(byId(buildMenuModel({ ...base, nodeState: 'leaving' }), 'leave')).toMatchObject({ label: 'Leaving…', enabled: false })
  })

  it('online alone: the submenu says so and is disabled', () => {
    expect(byId(buildMenuModel({ ...base, nodeState: 'online' }), 'neighbours')).toMatchObject({ label: 'no neighbours online', enabled: false })
  })

  it('long neighbour lists are capped with "and N more"', () => {
    const names = Array.from({ length: MAX_LISTED_NEIGHBOURS + 5 }, (_, i) => `n${String(i).padStart(2, '0')}`)
    const sub = byId(buildMenuModel({ ...base, nodeState: 'online', neighbours: names }), 'neighbours')
    if (sub?.type !== 'submenu') throw new Error('expected submenu')
    expect(sub.items).toHaveLength(MAX_LISTED_NEIGHBOURS + 1)
    expect(sub.items.at(-1)).toMatchObject({ type: 'label', label: 'and 5 more' })
  })

  it('toggles carry the value they switch to; start-at-login disabled where unsupported; Quit last', () => {
    const m = buildMenuModel({ ...base, nodeState: 'online', notificationsOn: true, startAtLogin: false, startAtLoginSupported: false })
    expect(byId(m, 'notifications')).toMatchObject({ checked: true, action: { kind: 'toggle-notifications', enabled: false } })
    expect(byId(m, 'start-at-login')).toMatchObject({ checked: false, enabled: false, action: { kind: 'toggle-start-at-login', enabled: true } })
    expect(m.at(-1)).toMatchObject({ id: 'quit', action: { kind: 'quit' } })
    expect(byId(m, 'open')).toMatchObject({ label: 'Open Nara Desktop', action: { kind: 'open-window' } })
  })
})
