/**
 * Shared by the nervous-system and secrecy tests: a renderer's end of a real MessageChannel
 * (worker_threads), with every frame main sends captured raw.
 */
import { MessageChannel } from 'node:worker_threads'
import { systemClock } from '../main/core/clock'
import { RemoteDataPlane } from '../main/core/bus/dataPlane'
import { messagePortCarrier } from '../main/core/bus/carriers/messagePort'
import { controlClient, multiplex, type ControlClient } from '../main/core/bus/carriers/mux'
import type { NervousSystem, ServeOptions } from '../main/core/bus/nervousSystem'

export interface RendererLink {
  remote: RemoteDataPlane
  control: ControlClient
  /** Every frame that reached the renderer's side of the port, verbatim. */
  frames: string[]
  detach: () => void
  close(): void
}

/** Main serves one end of a MessageChannel through the nervous system; the test is the renderer. */
export function rendererLink(ns: NervousSystem, serve: ServeOptions = {}): RendererLink {
  const { port1, port2 } = new MessageChannel()
  const detach = ns.serveCarrier(messagePortCarrier(port1), serve)
  const rendererSide = messagePortCarrier(port2)
  const frames: string[] = []
  rendererSide.onFrame((f) => void frames.push(f))
  const mux = multiplex(rendererSide)
  const remote = new RemoteDataPlane(mux.data)
  const control = controlClient(mux.control, { clock: systemClock, resendMs: 1000, timeoutMs: 5000 })
  return {
    remote,
    control,
    frames,
    detach,
    close() {
      control.close()
      rendererSide.close()
      port1.close()
    }
  }
}
