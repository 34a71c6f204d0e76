/**
 * Maps a ControlRequest (untrusted JSON from any carrier) to a ControlReply. Validation is
 * strict (zod): wrong shapes, unknown commands and throwing handlers all become
 * {"ok":false,"error":...}; the router itself never throws.
 */
import { z } from 'zod'
import type { ControlReply, ControlRequest, NodeControl } from '../../control'

/**
 * Peers per reply: a NeighbourView is well under 1 KiB of JSON, so a page stays far below the
 * 1 MiB control frame however many peers the node knows; clients follow `next`.
 */
export const PEERS_PAGE_DEFAULT = 256
export const PEERS_PAGE_MAX = 512
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
  z.object({ cmd: z.literal('peers'), offset: z.number().int().min(0).optional(), limit: z.number().int().min(1).max(PEERS_PAGE_MAX).optional() }).strict(),
  z.object({ cmd: z.literal('join') }).strict(),
  z.object({ cmd: z.literal('leave') }).strict(),
  z.object({ cmd: z.literal('health') }).strict(),
  z.object({ cmd: z.literal('settings.get') }).strict(),
  z.object({ cmd: z.literal('settings.set'), settings: z.record(z.string(), z.unknown()) }).strict(),
  z.object({ cmd: z.literal('soul.export'), confirm: z.boolean() }).strict(),
  z.object({ cmd: z.literal('checkpoint.propose') }).strict(),
  z.object({ cmd: z.literal('journey.start'), message: z.string().min(1).max(2048) }).strict(),
  z.object({ cmd: z.literal('stash.set'), json: z.string().min(1).max(16 * 1024) }).strict(),
  z.object({ cmd: z.literal('stash.get') }).strict(),
  z.object({ cmd: z.literal('first-run.status') }).strict(),
  firstRunJoinRequest,
  z.object({ cmd: z.literal('mqtt.password.set'), password: z.string().max(1024) }).strict()
])

export type ControlCommand = ControlRequest['cmd']
const KNOWN: ReadonlySet<string> = new Set<ControlCommand>([
  'status', 'peers', 'join', 'leave', 'health', 'settings.get', 'settings.set', 'soul.export',
  'checkpoint.propose', 'journey.start', 'stash.set', 'stash.get',
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
    peers: (req) => {
      const all = node.peers()
      const offset = req.offset ?? 0
      const end = offset + (req.limit ?? PEERS_PAGE_DEFAULT)
      return { ok: true, peers: all.slice(offset, end), total: all.length, next: end < all.length ? end : null }
    },
    join: async () => ({ ok: true, state: await node.join() }),
    leave: async () => ({ ok: true, state: await node.leave() }),
    ...(node.proposeCheckpoint
      ? {
          'checkpoint.propose': () => {
            const r = node.proposeCheckpoint!()
            return r.ok ? { ok: true } : fail(r.reason ?? 'cannot propose now')
          }
        }
      : {}),
    ...(node.startJourney
      ? {
          'journey.start': async (req: { message: string }) => {
            const r = await node.startJourney!(req.message)
            return r.ok ? { ok: true, id: r.id } : fail(r.reason)
          }
        }
      : {}),
    ...(node.setStash && node.stashDocument
      ? {
          'stash.set': async (req: { json: string }) => {
            const r = await node.setStash!(req.json)
            return r.ok ? { ok: true, confidants: r.confidants } : fail(r.reason)
          },
          'stash.get': () => ({ ok: true, stash: node.stashDocument!() })
        }
      : {})
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
