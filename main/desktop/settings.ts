/**
 * Persistence of Settings with electron-store (needs Electron / Node 22, so this file is the only
 * one that imports it). Validation is settings-schema.ts; a damaged file falls back to defaults
 * field by field rather than refusing to start.
 */
import Store from 'electron-store'
import { DEFAULT_SETTINGS, mergeSettings, repairSettings, type Settings, type SettingsResult } from '../core/runtime/settings-schema'

export interface SettingsStore {
  get(): Settings
  /** Validates and saves a partial change; returns the problems when refused. */
  update(patch: unknown): SettingsResult
}

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
