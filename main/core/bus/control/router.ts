/**
 * Maps a ControlRequest (untrusted JSON from any carrier) to a ControlReply. Validation is
 * strict (zod): wrong shapes, unknown commands and throwing handlers all become
 * {"ok":false,"error":...}; the router itself never throws.
 */
import { z } from 'zod'
import type { ControlReply, ControlRequest, NodeControl } from '../../control'

/** The runtime's first-run join (also accepted on the desktop's IPC channel). */
export const firstRunJoinRequest = z
  .object({
    cmd: z.literal('first-run.join'),
    name: z.string().max(63).nullable(),
    plaza: z.enum(['embedded', 'lan', 'broker']),
    brokerUrl: z.string().max(4096).optional(),
    mqttUser: z.string().max(256).optional(),
    mqttPassword: z.string().max(1024).optional(),
    soul: z.string().max(128).optional(),
    acceptUnbonded: z.boolean().optional(),
    nativeWithoutStorage: z.boolean().optional()
  })
  .strict()

const requestSchema = z.discriminatedUnion('cmd', [
  z.object({ cmd: z.literal('status') }).strict(),
  z.object({ cmd: z.literal('peers') }).strict(),
  z.object({ cmd: z.literal('join') }).strict(),
  z.object({ cmd: z.literal('leave') }).strict(),
  z.object({ cmd: z.literal('health') }).strict(),
  z.object({ cmd: z.literal('settings.get') }).strict(),
  z.object({ cmd: z.literal('settings.set'), settings: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ cmd: z.literal('soul.export'), confirm: z.boolean() }).strict(),
  z.object({ cmd: z.literal('first-run.status') }).strict(),
  firstRunJoinRequest,
  z.object({ cmd: z.literal('mqtt.password.set'), password: z.string().max(1024) }).strict()
])

export type ControlCommand = ControlRequest['cmd']
const KNOWN: ReadonlySet<string> = new Set<ControlCommand>([
  'status', 'peers', 'join', 'leave', 'health', 'settings.get', 'settings.set', 'soul.export',
  'first-run.status', 'first-run.join', 'mqtt.password.set'
])

type Handler<C extends ControlCommand> = (req: Extract<ControlRequest, { cmd: C }>) => Promise<ControlReply> | ControlReply

/** Commands the node itself does not answer (health survey, desktop settings, soul export). */
export type ExtraHandlers = { [C in ControlCommand]?: Handler<C> }

export type CommandRouter = (request: unknown) => Promise<ControlReply>

export const MAX_REQUEST_BYTES = 64 * 1024

export function fail(error: string): ControlReply {
  return { ok: false, error }
}

/** Parses request text (size-capped) into JSON, or an error reply. */
export function parseRequestText(text: string): { ok: true; value: unknown } | { ok: false; reply: ControlReply } {
  if (text.length > MAX_REQUEST_BYTES) return { ok: false, reply: fail('request too large') }
  try {
    return { ok: true, value: JSON.parse(text) as unknown }
  } catch {
    return { ok: false, reply: fail('malformed JSON') }
  }
}

export function createCommandRouter(node: NodeControl, extra: ExtraHandlers = {}): CommandRouter {
  const core: ExtraHandlers = {
    status: () => ({ ok: true, ...node.status() }),
    peers: () => ({ ok: true, peers: node.peers() }),
    join: async () => ({ ok: true, state: await node.join() }),
    leave: async () => ({ ok: true, state: await node.leave() })
  }
  const handlers: ExtraHandlers = { ...core, ...extra }

  return async (request) => {
    if (typeof request !== 'object' || request === null || Array.isArray(request)) return fail('request must be a JSON object')
    const cmd = (request as { cmd?: unknown }).cmd
    if (typeof cmd !== 'string') return fail('missing "cmd"')
    if (!KNOWN.has(cmd)) return fail(`unknown command: ${cmd.slice(0, 64)}`)
    const parsed = requestSchema.safeParse(request)
    if (!parsed.success) {
      const issue = parsed.error.issues[0]
      return fail(`invalid ${cmd} request: ${issue ? `${issue.path.join('.') || 'request'}: ${issue.message}` : 'bad shape'}`)
    }
    const req = parsed.data
    const handler = handlers[req.cmd] as Handler<typeof req.cmd> | undefined
    if (!handler) return fail(`command not available here: ${req.cmd}`)
    try {
      return await handler(req as never)
    } catch (e) {
      return fail(e instanceof Error ? e.message : String(e))
    }
  }
}
