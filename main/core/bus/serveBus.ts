/**
 * Serving the bus over one carrier: both planes multiplexed on it, a data-plane session for
 * the remote side and a REP server answering control requests. The one wiring every way in
 * uses (Electron MessagePorts and in-process carriers through the nervous system, the headless
 * UI's WebSocket through the UI server).
 */
import type { Carrier } from './carriers/carrier'
import { multiplex, serveControl } from './carriers/mux'
import type { CommandRouter } from './control/router'
import { DataPlaneSession, type DataPlane, type DataPlaneSessionOptions } from './dataPlane'

export interface ServeBusOptions {
  dataPlane: DataPlane
  router: CommandRouter
  /** Names the peer in the REP server's resend cache. */
  peer: string
  session?: DataPlaneSessionOptions
}

/** Starts serving; the returned function stops the session and the REP server (the carrier stays open). */
export function serveBus(carrier: Carrier<string>, opts: ServeBusOptions): () => void {
  const mux = multiplex(carrier)
  const session = new DataPlaneSession(opts.dataPlane, mux.data, opts.session)
  const control = serveControl(mux.control, opts.router, opts.peer)
  return () => {
    session.close()
    control.stop()
  }
}
