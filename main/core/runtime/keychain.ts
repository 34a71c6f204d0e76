/**
 * The OS keychain behind one small interface. Only keychain-keytar.ts knows keytar; swapping in
 * a maintained successor means writing one file with `openKeytarStore`'s shape.
 *
 * Accounts (service `nara-desktop`):  <nara name>  → the soul (Base58)
 *                                     mqtt:<user>@<broker> → the MQTT password
 * Nothing here logs a secret; errors carry the backend's message, never the value.
 */
export const KEYCHAIN_SERVICE = 'nara-desktop'

export interface SecretStore {
  get(account: string): Promise<string | null>
  set(account: string, secret: string): Promise<void>
  /** True if something was deleted. */
  delete(account: string): Promise<boolean>
}

export type KeychainStatus =
  | { available: true; store: SecretStore; backend: string }
  | { available: false; reason: string }

export function soulAccount(name: string): string {
  return name
}

export function mqttAccount(user: string, brokerUrl: string): string {
  return `mqtt:${user}@${brokerUrl}`
}

/** Writes, reads back and deletes a probe entry: proves the keychain really stores things. */
export async function probeKeychain(open: () => Promise<SecretStore>, backend = 'keytar'): Promise<KeychainStatus> {
  let store: SecretStore
  try {
    store = await open()
  } catch (e) {
    return { available: false, reason: explainKeychainError(e) }
  }
  const account = `probe:${process.pid}:${Date.now()}`
  try {
    await store.set(account, 'probe')
    const back = await store.get(account)
    await store.delete(account)
    if (back !== 'probe') return { available: false, reason: 'The keychain accepted a secret but did not give it back.' }
    return { available: true, store, backend }
  } catch (e) {
    return { available: false, reason: explainKeychainError(e) }
  }
}

/** Turns backend errors into a sentence a person can act on. */
export function explainKeychainError(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e)
  if (/Cannot find module|MODULE_NOT_FOUND|not installed|was compiled against/i.test(msg)) {
    return 'The keychain helper (keytar) is not installed for this build, so secrets cannot be kept in the OS keychain.'
  }
  if (/D-?Bus|org\.freedesktop\.secrets|Secret Service|X11 \$DISPLAY|ServiceUnknown|Could not connect/i.test(msg)) {
    return 'No keychain is reachable: this desktop has no Secret Service running (e.g. gnome-keyring or KWallet).'
  }
  if (/locked|cancel|denied|not allowed/i.test(msg)) {
    return 'The keychain refused access (it is locked or the request was cancelled).'
  }
  return `The keychain could not be used: ${msg}`
}

/** What we offer when there is no keychain, worded for the first-run screen. */
export interface NoKeychainChoice {
  id: 'soul-env' | 'native-soul'
  title: string
  detail: string
}

export function noKeychainChoices(reason: string): { message: string; choices: NoKeychainChoice[] } {
  return {
    message: `${reason} Your nara can still run:`,
    choices: [
      {
        id: 'soul-env',
        title: 'Bring your own soul',
        detail: 'Start Nara Desktop with NARA_SOUL=<soul> in the environment or --soul <soul> on the command line. Nothing is stored.'
      },
      {
        id: 'native-soul',
        title: 'Use this computer\u2019s native soul',
        detail: 'Derived from this machine every time it starts, so it needs no storage. It changes if the hardware changes.'
      }
    ]
  }
}
