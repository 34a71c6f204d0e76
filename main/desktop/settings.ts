/**
 * The desktop's SettingsStore on electron-store (needs Electron / Node 22, so this file is the only
 * one that imports it). Validation is settings-schema.ts; a damaged file falls back to defaults
 * field by field rather than refusing to start.
 */
import Store from 'electron-store'
import { DEFAULT_SETTINGS, mergeSettings, repairSettings, type Settings } from '../core/runtime/settings-schema'
import type { SettingsStore } from '../core/runtime/settings-store'

export function openSettingsStore(): SettingsStore {
  const store = new Store<{ settings: Settings }>({ name: 'settings', defaults: { settings: DEFAULT_SETTINGS }, clearInvalidConfig: true })
  const read = (): Settings => repairSettings(store.get('settings'))
  return {
    get: read,
    update(patch) {
      const r = mergeSettings(read(), patch)
      if (r.ok) store.set('settings', r.settings)
      return r
    }
  }
}
