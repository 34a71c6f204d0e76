/**
 * The Electron adapters' remaining choices, in Node: startup errors are reported (also those
 * thrown inside main), notifications stay referenced until closed and report failures, a window
 * opens where no tray may be visible, tray icons follow the taskbar, tray redraws are coalesced
 * (also when driven by a real runtime's peer events), menu actions use the runtime's commands.
 */
import { EventEmitter } from 'node:events'
import { describe, expect, it } from 'vitest'
import { ManualClock } from '../main/core/clock'
import type { Notice } from '../main/core/runtime/notifications-policy'
import { memorySettingsStore } from '../main/core/runtime/settings-store'
import { runMenuAction } from '../main/desktop/menu-actions'
import { bindTray } from '../main/desktop/tray-binding'
import { createRuntime } from '../main/core/runtime/runtime'
import { NotificationPolicy } from '../main/core/runtime/notifications-policy'
import type { NeighbourView } from '../main/core/views'
import { createNotifier, type NotificationLike } from '../main/desktop/notifications'
import { APP_USER_MODEL_ID, coalesce, runStartup, trayMayBeInvisible, trayTheme, windowAtStart } from '../main/desktop/shell-policy'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { repoRoot } from './support/vectors'

function fakeTimers() {
  const clock = new ManualClock(0)
  return { clock, timers: { setTimeout: (f: () => void, ms: number) => clock.setTimeout(f, ms), clearTimeout: (h: unknown) => clock.clearTimeout(h as never) } }
}

describe('startup errors', () => {
  it('an error thrown inside main (not only a failed whenReady) is reported', async () => {
    const reports: string[] = []
    const ok = await runStartup(Promise.resolve(), async () => {
      throw new Error('settings store is damaged')
    }, (m) => reports.push(m))
    expect(ok).toBe(false)
    expect(reports[0]).toMatch(/^settings store is damaged/)
    const ready = await runStartup(Promise.reject(new Error('no display')), async () => {}, (m) => reports.push(m))
    expect(ready).toBe(false)
    expect(reports[1]).toMatch(/^no display/)
    expect(await runStartup(Promise.resolve(), async () => {}, (m) => reports.push(m))).toBe(true)
    expect(reports).toHaveLength(2)
  })

  it('the AUMID is the packaged appId (Windows toasts are attributed to the app)', () => {
    const yml = readFileSync(join(repoRoot, 'electron-builder.yml'), 'utf8')
    expect(yml).toMatch(new RegExp(`^appId: ${APP_USER_MODEL_ID.replace(/\./g, '\\.')}$`, 'm'))
  })
})

describe('notifications', () => {
  class FakeNotification extends EventEmitter implements NotificationLike {
    static supported = true
    static made: FakeNotification[] = []
    shown = false
    constructor(readonly options: { title: string; body: string }) {
      super()
      FakeNotification.made.push(this)
    }
    static isSupported(): boolean {
      return FakeNotification.supported
    }
    show(): void {
      this.shown = true
    }
  }
  const notice: Notice = { category: 'joined', title: 'lisa joined', body: 'say hi', navigate: { kind: 'open-profile', name: 'lisa' } } as Notice

  it('keeps each notification referenced until it closes, is clicked or fails; a failure is reported', () => {
    const clicks: unknown[] = []
    const failures: string[] = []
    const notify = createNotifier(FakeNotification, '/icon.png', (i) => clicks.push(i), (e) => failures.push(e))
    notify(notice)
    notify(notice)
    notify(notice)
    expect(notify.live).toBe(3)
    const [a, b, c] = FakeNotification.made
    a!.emit('click')
    expect(clicks).toEqual([{ kind: 'open-profile', name: 'lisa' }])
    b!.emit('close')
    c!.emit('failed', {}, 'DBus notification daemon missing')
    expect(failures).toEqual(['DBus notification daemon missing'])
    expect(notify.live).toBe(0)
    FakeNotification.supported = false
    notify(notice)
    expect(FakeNotification.made).toHaveLength(3)
  })
})

describe('window and tray', () => {
  it('opens a window on first run, when the tray failed, and where the tray may be invisible (stock GNOME)', () => {
    const kde = { XDG_CURRENT_DESKTOP: 'KDE' }
    expect(windowAtStart({ firstRun: true, platform: 'linux', env: kde, trayFailed: false })).toBe(true)
    expect(windowAtStart({ firstRun: false, platform: 'linux', env: kde, trayFailed: false })).toBe(false)
    expect(windowAtStart({ firstRun: false, platform: 'linux', env: kde, trayFailed: true })).toBe(true)
    expect(windowAtStart({ firstRun: false, platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'GNOME' }, trayFailed: false })).toBe(true)
    expect(windowAtStart({ firstRun: false, platform: 'linux', env: { XDG_CURRENT_DESKTOP: 'ubuntu:GNOME' }, trayFailed: false })).toBe(false)
    expect(trayMayBeInvisible('linux', {})).toBe(true)
    expect(windowAtStart({ firstRun: false, platform: 'darwin', env: {}, trayFailed: false })).toBe(false)
    expect(windowAtStart({ firstRun: false, platform: 'win32', env: {}, trayFailed: false })).toBe(false)
  })

  it('tray icons follow the taskbar (system UI) colours; macOS uses template images', () => {
    expect(trayTheme('linux', true)).toBe('dark')
    expect(trayTheme('win32', false)).toBe('light')
    expect(trayTheme('darwin', true)).toBe('template')
  })

  it('a burst of tray refreshes is one redraw; flush draws now; cancel drops the pending one', () => {
    const { clock, timers } = fakeTimers()
    let draws = 0
    const refresh = coalesce(() => draws++, 250, timers)
    for (let i = 0; i < 500; i++) refresh()
    expect(draws).toBe(0)
    clock.advance(250)
    expect(draws).toBe(1)
    refresh()
    refresh.flush()
    expect(draws).toBe(2)
    clock.advance(1000)
    expect(draws).toBe(2)
    refresh()
    refresh.cancel()
    clock.advance(1000)
    expect(draws).toBe(2)
  })
})

describe('tray menu actions use the runtime commands', () => {
  it('join / leave go to the router; leave mutes the notification policy; toggles save settings', async () => {
    const sent: unknown[] = []
    const settings = memorySettingsStore()
    let muted = 0
    let login: boolean | null = null
    const deps = {
      runtime: { nervousSystem: { router: async (r: unknown) => (sent.push(r), { ok: true as const }) } } as never,
      policy: { noteManualLeave: () => void muted++ },
      settings,
      openWindow: () => {},
      navigate: () => {},
      quit: () => {},
      setOpenAtLogin: (on: boolean) => void (login = on)
    }
    await runMenuAction({ kind: 'join' }, deps)
    await runMenuAction({ kind: 'leave' }, deps)
    await runMenuAction({ kind: 'toggle-notifications', enabled: false }, deps)
    await runMenuAction({ kind: 'toggle-start-at-login', enabled: true }, deps)
    expect(sent).toEqual([{ cmd: 'join' }, { cmd: 'leave' }])
    expect(muted).toBe(1)
    expect(settings.get().notifications.enabled).toBe(false)
    expect(settings.get().startAtLogin).toBe(true)
    expect(login).toBe(true)
  })

  it('join before the first run opens the window (the first-run screen asks how to join)', async () => {
    let opened = 0
    const deps = {
      runtime: { nervousSystem: { router: async () => ({ ok: false as const, error: 'Choose how to join first (the Join screen).' }) } } as never,
      policy: { noteManualLeave: () => {} },
      settings: memorySettingsStore(),
      openWindow: () => void opened++,
      navigate: () => {},
      quit: () => {},
      setOpenAtLogin: () => {}
    }
    await runMenuAction({ kind: 'join' }, deps)
    expect(opened).toBe(1)
  })
})

describe('tray binding on a real runtime', () => {
  it('200 peer events are one tray redraw; the state and online neighbours are right; a new node is followed', async () => {
    const { clock, timers } = fakeTimers()
    const rt = createRuntime({
      settings: memorySettingsStore({ name: 'tray-home', transport: 'gossip' }),
      machine: { hostname: 'h', fingerprint: () => new Uint8Array(32).fill(9), detectMeshIP: () => '' },
      nativeWithoutKeychain: true,
      controlSocket: false
    })
    const updates: Array<{ nodeState: string; neighboursOnline: number; name: string | null }> = []
    const policy = new NotificationPolicy({ clock, switches: () => ({ enabled: false, categories: { joined: false, left: false, missing: false, back: false } }), deliver: () => {} })
    bindTray({ runtime: rt, tray: () => ({ update: (i) => void updates.push(i) }), policy, startAtLogin: () => false, startAtLoginSupported: false, coalesceMs: 250, timers })
    try {
      await rt.start()
      clock.advance(250)
      updates.length = 0
      const node = rt.node!
      for (let i = 0; i < 200; i++) {
        const v = { ...node.selfView(), name: `peer-${i % 20}`, status: i % 2 ? 'ONLINE' : 'OFFLINE', lastSeenMs: 0, flair: '', trust: 'verified' } as unknown as NeighbourView
        node.emit('peer', v)
      }
      expect(updates).toHaveLength(0)
      clock.advance(250)
      expect(updates).toHaveLength(1)
      expect(updates[0]).toMatchObject({ nodeState: 'online', name: 'tray-home' })
      // peer-0..19 alternate; the last event of each odd index left it ONLINE: 10 online.
      expect(updates[0]!.neighboursOnline).toBe(10)
    } finally {
      await rt.stop(200)
    }
  })
})
