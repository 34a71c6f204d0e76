/**
 * The control plane's command vocabulary (REQ/REP, RFC-0910). Requests and replies are JSON;
 * the same shapes travel over the in-process carrier, Electron MessagePorts, the loopback
 * WebSocket and the NNG-compatible IPC socket. Pure types: shared with the renderer.
 *
 *   {"cmd":"status"}                → {"ok":true, ...StatusReply}
 *   {"cmd":"peers"}                 → {"ok":true, "peers":[NeighbourView...]}
 *   {"cmd":"join"} / {"cmd":"leave"}→ {"ok":true, "state":NodeState}
 *   {"cmd":"health"}                → {"ok":true, "subsystem":..., "healthy":bool} (SURVEY)
 *   {"cmd":"settings.get"} / {"cmd":"settings.set","settings":{...}}  (desktop shell only)
 *   {"cmd":"soul.export","confirm":true}  never answered with the soul over a renderer carrier
 * Unknown commands and malformed requests get {"ok":false,"error":"..."}.
 */
import type { NeighbourView, NodeState, SelfView } from './views'

export type ControlRequest =
  | { cmd: 'status' }
  | { cmd: 'peers' }
  | { cmd: 'join' }
  | { cmd: 'leave' }
  | { cmd: 'health' }
  | { cmd: 'settings.get' }
  | { cmd: 'settings.set'; settings: Record<string, unknown> }
  | { cmd: 'soul.export'; confirm: boolean }
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
}
