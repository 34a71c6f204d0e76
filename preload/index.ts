/**
 * The renderer's only door to the app: a narrow `window.nara` (contextBridge). No Node, no
 * ipcRenderer, no secrets cross it. The bus itself travels over a MessagePort: `connect()` makes a
 * channel, sends one end to main (which attaches it to the bus) and posts the other end into the
 * page as a window message {type: 'nara:port'} — contextBridge cannot carry MessagePorts.
 */
import { contextBridge, ipcRenderer } from 'electron'
import { IPC, type DesktopReply, type DesktopRequest, type JoinProgress, type NavigationIntent } from '../main/desktop/ipc-channels'

type Unsubscribe = () => void

function subscribe<T>(channel: string, cb: (value: T) => void): Unsubscribe {
  const listener = (_e: unknown, value: T): void => cb(value)
  ipcRenderer.on(channel, listener)
  return () => {
    ipcRenderer.removeListener(channel, listener)
  }
}

const api = {
  apiVersion: 1,
  platform: process.platform,
  /** Opens a bus connection; the page receives the port as a 'message' event {type:'nara:port'}. */
  connect(): void {
    const { port1, port2 } = new MessageChannel()
    ipcRenderer.postMessage(IPC.connect, null, [port2])
    window.postMessage({ type: 'nara:port' }, window.location.origin, [port1])
  },
  /** Desktop-shell commands (settings, first run, soul export, links). */
  request(req: DesktopRequest): Promise<DesktopReply> {
    return ipcRenderer.invoke(IPC.desktop, req) as Promise<DesktopReply>
  },
  onNavigate(cb: (intent: NavigationIntent) => void): Unsubscribe {
    return subscribe(IPC.navigate, cb)
  },
  onJoinProgress(cb: (progress: JoinProgress) => void): Unsubscribe {
    return subscribe(IPC.joinProgress, cb)
  }
}

export type NaraPreloadApi = typeof api

contextBridge.exposeInMainWorld('nara', api)
