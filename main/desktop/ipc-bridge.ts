/**
 * Main's side of the preload API. Every message is checked twice: the sender must be the top
 * frame of our own UI, and the payload must match the zod schema. Replies and pushes pass the
 * secret registry, so a soul or password can never reach the renderer.
 */
import { z } from 'zod'
import { firstRunJoinRequest } from '../core/bus/control/router'
import { IPC, type DesktopReply, type DesktopRequest, type NavigationIntent, type JoinProgress } from './ipc-channels'
import { isTrustedSender, type SenderFrameLike, type TrustedOrigins } from './security'
import type { SecretRegistry } from '../core/runtime/secrecy'

export const desktopRequestSchema = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('settings.get') }).strict(),
  z.object({ cmd: z.literal('settings.set'), settings: z.record(z.string().max(64), z.unknown()) }).strict(),
  z.object({ cmd: z.literal('mqtt.password.set'), password: z.string().max(1024) }).strict(),
  z.object({ cmd: z.literal('soul.export'), confirm: z.literal(true) }).strict(),
  z.object({ cmd: z.literal('first-run.status') }).strict(),
  firstRunJoinRequest,
  z.object({ cmd: z.literal('open-external'), url: z.string().max(2048) }).strict()
])

export type DesktopHandler = (req: DesktopRequest) => Promise<DesktopReply>

export function parseDesktopRequest(raw: unknown): { ok: true; req: DesktopRequest } | { ok: false; error: string } {
  const r = desktopRequestSchema.safeParse(raw)
  if (r.success) return { ok: true, req: r.data as DesktopRequest }
  const first = r.error.issues[0]
  return { ok: false, error: `invalid request${first ? ` (${first.path.join('.') || 'cmd'}: ${first.message})` : ''}` }
}

/** Checks sender and payload, runs the handler, and makes sure nothing secret goes back. */
export async function handleDesktopInvoke(
  frame: SenderFrameLike | null | undefined,
  raw: unknown,
  handler: DesktopHandler,
  deps: { trusted: TrustedOrigins; secrets: SecretRegistry }
): Promise<DesktopReply> {
  if (!isTrustedSender(frame, deps.trusted)) return { ok: false, error: 'refused: not our window' }
  const parsed = parseDesktopRequest(raw)
  if (!parsed.ok) return { ok: false, error: parsed.error }
  let reply: DesktopReply
  try {
    reply = await handler(parsed.req)
  } catch (e) {
    reply = { ok: false, error: e instanceof Error ? e.message : 'internal error' }
  }
  return deps.secrets.leaks(reply) ? { ok: false, error: 'internal error: reply withheld (it contained a secret)' } : reply
}

// --- Electron glue, typed structurally so tests can drive it with EventEmitters -------------

export interface IpcMainLike {
  on(channel: string, listener: (event: { senderFrame: SenderFrameLike | null; ports: unknown[] }, ...args: unknown[]) => void): unknown
  handle(channel: string, listener: (event: { senderFrame: SenderFrameLike | null }, ...args: unknown[]) => unknown): unknown
}

export interface BridgeDeps {
  ipcMain: IpcMainLike
  trusted: TrustedOrigins
  secrets: SecretRegistry
  handler: DesktopHandler
  /** Hands a renderer's MessagePortMain to the bus (C2's MessagePort carrier). */
  attachPort: (port: unknown) => void
  /** Counts refused messages by reason (shown in stats, never with payloads). */
  onRefused?: (reason: 'untrusted-sender' | 'bad-port') => void
}

export function installIpcBridge(deps: BridgeDeps): void {
  deps.ipcMain.on(IPC.connect, (event) => {
    if (!isTrustedSender(event.senderFrame, deps.trusted)) {
      deps.onRefused?.('untrusted-sender')
      return
    }
    const port = event.ports.length === 1 ? event.ports[0] : undefined
    if (!port) {
      deps.onRefused?.('bad-port')
      return
    }
    deps.attachPort(port)
  })
  deps.ipcMain.handle(IPC.desktop, (event, raw) => handleDesktopInvoke(event.senderFrame, raw, deps.handler, deps))
}

export interface RendererSink {
  send(channel: string, payload: unknown): void
}

/** Pushes to the renderer, refusing anything that contains a registered secret. */
export function createRendererPush(getSink: () => RendererSink | null, secrets: SecretRegistry) {
  const push = (channel: string, payload: unknown): boolean => {
    const sink = getSink()
    if (!sink || secrets.leaks(payload)) return false
    sink.send(channel, payload)
    return true
  }
  return {
    navigate: (intent: NavigationIntent) => push(IPC.navigate, intent),
    joinProgress: (p: JoinProgress) => push(IPC.joinProgress, p)
  }
}
