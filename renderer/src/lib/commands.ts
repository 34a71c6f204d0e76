/**
 * Commands from the screens. Settings, first-run join and soul export belong to the desktop
 * shell (window.nara.request, validated in main); everything else — and everything in headless
 * mode — goes over the control plane.
 */
import type { ControlReply } from '../../../main/core/control'
import type { Bus } from './transport'

export type Reply = ControlReply & { problems?: Array<{ field: string; message: string }> }

function desktop(): NonNullable<Window['nara']> | null {
  return window.nara && typeof window.nara.request === 'function' ? window.nara : null
}

async function safely(p: Promise<unknown>): Promise<Reply> {
  try {
    const r = (await p) as Reply
    if (typeof r === 'object' && r !== null && typeof r.ok === 'boolean') return r
    return { ok: false, error: 'malformed reply' }
  } catch (e) {
    return { ok: false, error: e instanceof Error ? e.message : String(e) }
  }
}

export function getSettings(bus: Bus): Promise<Reply> {
  const d = desktop()
  return safely(d ? d.request({ cmd: 'settings.get' }) : bus.request({ cmd: 'settings.get' }))
}

export function setSettings(bus: Bus, settings: Record<string, unknown>): Promise<Reply> {
  const d = desktop()
  return safely(d ? d.request({ cmd: 'settings.set', settings }) : bus.request({ cmd: 'settings.set', settings }))
}

/** Asks the shell to show the soul natively; the reply never carries the soul itself. */
export async function exportSoul(bus: Bus): Promise<Reply> {
  const viaControl = await safely(bus.request({ cmd: 'soul.export', confirm: true }))
  const d = desktop()
  if (!viaControl.ok && d) return safely(d.request({ cmd: 'soul.export', confirm: true }))
  return viaControl
}

export function status(bus: Bus): Promise<Reply> {
  return safely(bus.request({ cmd: 'status' }))
}

export function join(bus: Bus): Promise<Reply> {
  return safely(bus.request({ cmd: 'join' }))
}

export function leave(bus: Bus): Promise<Reply> {
  return safely(bus.request({ cmd: 'leave' }))
}

export interface FirstRunForm {
  name: string
  plaza: 'embedded' | 'broker'
  brokerUrl: string
  mqttUser: string
  mqttPassword: string
}

/** Desktop: the shell's one-click join (keychain, settings, connect). Headless: plain join. */
export function firstRunJoin(bus: Bus, form: FirstRunForm): Promise<Reply> {
  const d = desktop()
  if (!d) return join(bus)
  const req: Parameters<typeof d.request>[0] = { cmd: 'first-run.join', name: form.name.trim() || null, plaza: form.plaza }
  if (form.plaza === 'broker') {
    req.brokerUrl = form.brokerUrl.trim()
    if (form.mqttUser) req.mqttUser = form.mqttUser
    if (form.mqttPassword) req.mqttPassword = form.mqttPassword
  }
  return safely(d.request(req))
}

/** Sends a postcard of ours around the world (over the mesh). */
export function startJourney(bus: Bus, message: string): Promise<Reply> {
  return safely(bus.request({ cmd: 'journey.start', message }))
}
