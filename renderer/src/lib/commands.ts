/**
 * Commands from the screens, all on the control plane of the runtime's bus — the same requests
 * in the Electron window (MessagePort) and on the headless dashboard (sealed WebSocket). Only
 * opening a link in the system browser is the desktop shell's own (window.nara.request).
 */
import type { ControlReply } from '../../../main/core/control'
import type { Bus } from './transport'

export type Reply = ControlReply & { problems?: Array<{ field: string; message: string }> }

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
  return safely(bus.request({ cmd: 'settings.get' }))
}

export function setSettings(bus: Bus, settings: Record<string, unknown>): Promise<Reply> {
  return safely(bus.request({ cmd: 'settings.set', settings }))
}

/** Asks the shell to show the soul natively; the reply never carries the soul itself. */
export function exportSoul(bus: Bus): Promise<Reply> {
  return safely(bus.request({ cmd: 'soul.export', confirm: true }))
}

export function status(bus: Bus): Promise<Reply> {
  return safely(bus.request({ cmd: 'status' }))
}

export function firstRunStatus(bus: Bus): Promise<Reply> {
  return safely(bus.request({ cmd: 'first-run.status' }))
}

export function join(bus: Bus): Promise<Reply> {
  return safely(bus.request({ cmd: 'join' }))
}

export function leave(bus: Bus): Promise<Reply> {
  return safely(bus.request({ cmd: 'leave' }))
}

export interface FirstRunForm {
  name: string
  plaza: 'embedded' | 'lan' | 'broker'
  brokerUrl: string
  mqttUser: string
  mqttPassword: string
  /** A pasted soul ('' = grow this computer's native soul for the name). */
  soul: string
  acceptUnbonded: boolean
  /** No keychain: run on the native soul without storing anything. */
  nativeWithoutStorage: boolean
}

/** The runtime's first-run join: choices checked, soul grown or imported, plaza tried, then saved. */
export function firstRunJoin(bus: Bus, form: FirstRunForm): Promise<Reply> {
  const req: Extract<Parameters<Bus['request']>[0], { cmd: 'first-run.join' }> = { cmd: 'first-run.join', name: form.name.trim() || null, plaza: form.plaza }
  if (form.plaza === 'broker') {
    req.brokerUrl = form.brokerUrl.trim()
    if (form.mqttUser) req.mqttUser = form.mqttUser
    if (form.mqttPassword) req.mqttPassword = form.mqttPassword
  }
  if (form.soul.trim()) {
    req.soul = form.soul.trim()
    if (form.acceptUnbonded) req.acceptUnbonded = true
  }
  if (form.nativeWithoutStorage) req.nativeWithoutStorage = true
  return safely(bus.request(req))
}

/** Sends a postcard of ours around the world (over the mesh). */
export function startJourney(bus: Bus, message: string): Promise<Reply> {
  return safely(bus.request({ cmd: 'journey.start', message }))
}
