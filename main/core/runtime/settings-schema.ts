/**
 * The desktop settings and their validation (zod). Plain module: settings.ts persists with
 * electron-store (Electron/Node 22 only); everything that decides lives here and is tested in Node.
 * The MQTT password is NOT a setting: it lives in the keychain (account mqtt:<user>@<broker>).
 */
import { z } from 'zod'
import { PEER_CHANGE_KINDS, type NotificationSwitches } from './notifications-policy'

// tls:// and tcp:// are what the Go reference's -mqtt-host uses; mqtt.js accepts all six.
const BROKER_PROTOCOLS = ['mqtt:', 'mqtts:', 'tls:', 'tcp:', 'ws:', 'wss:']

const brokerUrl = z.string().superRefine((value, ctx) => {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    ctx.addIssue({ code: 'custom', message: `"${value}" is not a broker address; use e.g. mqtts://broker.example.org:8883` })
    return
  }
  if (!BROKER_PROTOCOLS.includes(url.protocol)) {
    ctx.addIssue({ code: 'custom', message: `The broker address must start with mqtt://, mqtts://, tls://, tcp://, ws:// or wss:// (got ${url.protocol}//)` })
  } else if (!url.hostname) {
    ctx.addIssue({ code: 'custom', message: 'The broker address has no host name' })
  } else if (url.username || url.password) {
    ctx.addIssue({ code: 'custom', message: 'Put the MQTT user in its own field and the password in the keychain, not in the broker address' })
  }
})

// Names become MQTT topic levels and key-expression chunks: no wildcards, separators or spaces.
const naraName = z
  .string()
  .min(1, 'The name cannot be empty')
  .max(63, 'The name can be at most 63 characters')
  .regex(/^[^\s/#+*$?%\u0000-\u001f\u007f]*$/u, 'The name cannot contain spaces or any of / # + * $ ? %')

const hostPort = z
  .string()
  .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):(\d{1,5})$/, 'Mesh listen must look like host:port, e.g. 100.64.0.7:7433 or :7433')
  .refine((v) => {
    const port = Number(v.slice(v.lastIndexOf(':') + 1))
    return port >= 1 && port <= 65535
  }, 'The mesh port must be between 1 and 65535')

const ipv4 = z.union([z.literal(''), z.ipv4({ message: 'The mesh IP must be an IPv4 address like 100.64.0.7 (or empty to detect it)' })])

export const notificationSettingsSchema = z
  .object({
    enabled: z.boolean({ message: 'Notifications on/off must be true or false' }),
    joined: z.boolean({ message: 'The "joined" switch must be true or false' }),
    left: z.boolean({ message: 'The "left" switch must be true or false' }),
    missing: z.boolean({ message: 'The "went missing" switch must be true or false' }),
    back: z.boolean({ message: 'The "came back" switch must be true or false' })
  })
  .strict()

export const settingsSchema = z
  .object({
    plaza: z.enum(['embedded', 'lan', 'broker'], { message: 'Plaza must be "embedded" (this computer), "lan" (this computer, open to the LAN) or "broker"' }),
    brokerUrl,
    mqttUser: z.string().max(256, 'The MQTT user is too long (max 256 characters)').regex(/^[^\s]*$/, 'The MQTT user cannot contain spaces'),
    name: naraName.nullable(),
    transport: z.enum(['mqtt', 'gossip', 'hybrid'], { message: 'Transport must be one of: mqtt, gossip, hybrid' }),
    meshListen: hostPort.nullable(),
    meshIP: ipv4,
    notifications: notificationSettingsSchema,
    startAtLogin: z.boolean({ message: 'Start at login must be true or false' }),
    /** Where the soul comes from at start: the keychain, or (chosen where none exists) this machine, unstored. */
    soulSource: z.enum(['keychain', 'native-unstored'], { message: 'The soul source must be "keychain" or "native-unstored"' })
  })
  .strict()

export type Settings = z.infer<typeof settingsSchema>

export const DEFAULT_SETTINGS: Settings = {
  plaza: 'embedded',
  // The public plaza's address and community credentials are not baked in (see protocol/plaza.md);
  // the first-run screen offers the embedded/LAN plaza or a broker the person enters.
  brokerUrl: 'mqtt://127.0.0.1:1883',
  mqttUser: '',
  name: null,
  transport: 'hybrid',
  meshListen: null,
  meshIP: '',
  notifications: { enabled: true, joined: true, left: true, missing: true, back: true },
  startAtLogin: false,
  soulSource: 'keychain'
}

export interface SettingsProblem {
  field: string
  message: string
}

export type SettingsResult = { ok: true; settings: Settings } | { ok: false; problems: SettingsProblem[] }

export function validateSettings(input: unknown): SettingsResult {
  const r = settingsSchema.safeParse(input)
  if (r.success) return { ok: true, settings: r.data }
  return {
    ok: false,
    problems: r.error.issues.map((i) => ({
      field: i.path.join('.') || '(settings)',
      message: i.code === 'unrecognized_keys' ? `Unknown setting(s): ${i.keys.join(', ')}` : i.message
    }))
  }
}

/** Applies a partial change (as sent by the settings screen) and validates the result. */
export function mergeSettings(current: Settings, patch: unknown): SettingsResult {
  if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
    return { ok: false, problems: [{ field: '(settings)', message: 'Settings must be an object' }] }
  }
  const p = patch as Record<string, unknown>
  const merged: Record<string, unknown> = { ...current, ...p }
  if (typeof p['notifications'] === 'object' && p['notifications'] !== null && !Array.isArray(p['notifications'])) {
    merged['notifications'] = { ...current.notifications, ...(p['notifications'] as Record<string, unknown>) }
  }
  return validateSettings(merged)
}

/** Fields whose change means leave → reconfigure → join. */
const REJOIN_FIELDS = ['plaza', 'brokerUrl', 'mqttUser', 'name', 'transport', 'meshListen', 'meshIP'] as const

export function changeNeedsRejoin(before: Settings, after: Settings): boolean {
  return REJOIN_FIELDS.some((f) => before[f] !== after[f])
}

export function notificationSwitches(s: Settings): NotificationSwitches {
  const categories = Object.fromEntries(PEER_CHANGE_KINDS.map((k) => [k, s.notifications[k]])) as NotificationSwitches['categories']
  return { enabled: s.notifications.enabled, categories }
}

/** A damaged settings file: keep every field that is still valid, default the rest. */
export function repairSettings(loaded: unknown): Settings {
  const whole = validateSettings(loaded)
  if (whole.ok) return whole.settings
  let current = DEFAULT_SETTINGS
  if (typeof loaded !== 'object' || loaded === null) return current
  for (const [key, value] of Object.entries(loaded as Record<string, unknown>)) {
    if (!(key in DEFAULT_SETTINGS)) continue
    const r = mergeSettings(current, { [key]: value })
    if (r.ok) current = r.settings
  }
  return current
}
