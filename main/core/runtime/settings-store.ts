/**
 * Where settings live, behind one interface: electron-store in the desktop app
 * (main/desktop/settings.ts), a JSON file or memory for `nara run`. Validation is
 * settings-schema.ts; the soul and passwords are not settings and never reach these stores.
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname } from 'node:path'
import { DEFAULT_SETTINGS, mergeSettings, repairSettings, type Settings, type SettingsResult } from './settings-schema'

export interface SettingsStore {
  get(): Settings
  /** Validates and saves a partial change; returns the problems when refused (nothing saved). */
  update(patch: unknown): SettingsResult
}

/** Settings kept in memory only (headless without --config, tests). */
export function memorySettingsStore(initial: Partial<Settings> = {}): SettingsStore {
  let current = repairSettings({ ...DEFAULT_SETTINGS, ...initial })
  return {
    get: () => current,
    update(patch) {
      const r = mergeSettings(current, patch)
      if (r.ok) current = r.settings
      return r
    }
  }
}

/**
 * Settings in one JSON file (`nara run --config FILE`). A missing file is the defaults; a damaged
 * one keeps every valid field. Writes go to a temporary file first and are renamed into place,
 * so a crash mid-write never leaves half a file.
 */
export function jsonFileSettingsStore(path: string): SettingsStore {
  const read = (): Settings => {
    let text: string
    try {
      text = readFileSync(path, 'utf8')
    } catch {
      return DEFAULT_SETTINGS
    }
    try {
      return repairSettings(JSON.parse(text) as unknown)
    } catch {
      return DEFAULT_SETTINGS
    }
  }
  let current = read()
  return {
    get: () => current,
    update(patch) {
      const r = mergeSettings(current, patch)
      if (!r.ok) return r
      mkdirSync(dirname(path), { recursive: true })
      const tmp = `${path}.${process.pid}.tmp`
      writeFileSync(tmp, JSON.stringify(r.settings, null, 2) + '\n', { mode: 0o600 })
      renameSync(tmp, path)
      current = r.settings
      return r
    }
  }
}

/** True when the file holds no settings yet (a fresh install: the first-run screen decides). */
export function settingsFileMissing(path: string): boolean {
  try {
    readFileSync(path)
    return false
  } catch {
    return true
  }
}
