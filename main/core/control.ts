/**
 * The control plane's command vocabulary (REQ/REP, RFC-0910). Requests and replies are JSON;
 * the same shapes travel over the in-process carrier, Electron MessagePorts, the loopback
 * WebSocket and the NNG-compatible IPC socket. Pure types: shared with the renderer.
 *
 *   {"cmd":"status"}                → {"ok":true, ...StatusReply}
 *   {"cmd":"peers"[,"offset":n][,"limit":n]} → {"ok":true, "peers":[NeighbourView...], "total":n, "next":n|null}
 *                                     (paged: one reply always fits a control frame; follow "next")
 *   {"cmd":"join"} / {"cmd":"leave"}→ {"ok":true, "state":NodeState}
 *   {"cmd":"health"}                → {"ok":true, "subsystem":..., "healthy":bool} (SURVEY)
 *   {"cmd":"settings.get"} / {"cmd":"settings.set","settings":{...}}  (desktop shell only)
 *   {"cmd":"soul.export","confirm":true}  never answered with the soul over a renderer carrier
 *   {"cmd":"checkpoint.propose"}    → {"ok":true} once our checkpoint proposal is on the plaza
 *   {"cmd":"journey.start","message":"hi"} → {"ok":true,"id":...} once a peer took our postcard
 *   {"cmd":"stash.set","json":"{...}"} → {"ok":true,"confidants":[...]} once confidants hold it
 *   {"cmd":"stash.get"}             → {"ok":true,"stash":"{...}"|null} (local control only; the stash is ours)
 * Unknown commands and malformed requests get {"ok":false,"error":"..."}.
 */
import type { NeighbourView, NodeState, SelfView } from './views'

export type ControlRequest =
  | { cmd: 'status' }
  | { cmd: 'peers'; offset?: number; limit?: number }
  | { cmd: 'join' }
  | { cmd: 'leave' }
  | { cmd: 'health' }
  | { cmd: 'settings.get' }
  | { cmd: 'settings.set'; settings: Record<string, unknown> }
  | { cmd: 'soul.export'; confirm: boolean }
  | { cmd: 'checkpoint.propose' }
  | { cmd: 'journey.start'; message: string }
  | { cmd: 'stash.set'; json: string }
  | { cmd: 'stash.get' }
  | { cmd: 'first-run.status' }
  | { cmd: 'first-run.join'; name: string | null; plaza: 'embedded' | 'lan' | 'broker'; brokerUrl?: string; mqttUser?: string; mqttPassword?: string; soul?: string; acceptUnbonded?: boolean; nativeWithoutStorage?: boolean }
  | { cmd: 'mqtt.password.set'; password: string }

export type ControlReply = ({ ok: true } & Record<string, unknown>) | { ok: false; error: string }

export interface StatusReply extends SelfView {
  ledgerSize: number
  plazaConnected: boolean
  uptimeMs: number
}

/** What the control plane needs from a running node; `NaraNode` implements it. */
export interface NodeControl {
  status(): StatusReply
  peers(): NeighbourView[]
  join(): Promise<NodeState>
  leave(): Promise<NodeState>
  /** Starts a checkpoint round about ourselves now (nodes that take part in consensus). */
  proposeCheckpoint?(): { ok: boolean; reason?: string }
  /** Sends a postcard of ours around the world (nodes with a mesh). */
  startJourney?(message: string): Promise<{ ok: true; id: string } | { ok: false; reason: string }>
  /** Seals a JSON document as our stash and hands it to confidants. */
  setStash?(json: string): Promise<{ ok: true; confidants: string[] } | { ok: false; reason: string }>
  /** Our stash document (JSON text), or null. */
  stashDocument?(): string | null
}
