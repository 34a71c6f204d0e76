/**
 * keytar adapter: the only file that touches keytar (archived upstream; optional dependency).
 * Loaded lazily so the app still starts where the native module could not be built.
 */
import { createRequire } from 'node:module'
import { KEYCHAIN_SERVICE, type SecretStore } from './keychain'

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>
  setPassword(service: string, account: string, password: string): Promise<void>
  deletePassword(service: string, account: string): Promise<boolean>
}

let loaded: Keytar | null = null

function loadKeytar(): Keytar {
  if (loaded) return loaded
  // createRequire: keytar is a CommonJS native module and stays external to the bundle.
  const require = createRequire(import.meta.url)
  const mod = require('keytar') as Keytar & { default?: Keytar }
  loaded = mod.default ?? mod
  return loaded
}

export async function openKeytarStore(service: string = KEYCHAIN_SERVICE): Promise<SecretStore> {
  const k = loadKeytar()
  return {
    get: (account) => k.getPassword(service, account),
    set: (account, secret) => k.setPassword(service, account, secret),
    delete: (account) => k.deletePassword(service, account)
  }
}
