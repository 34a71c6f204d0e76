/// <reference types="svelte" />
/// <reference types="vite/client" />
import type { NaraPreloadApi } from '../../preload/index'

declare global {
  interface Window {
    /** Present only inside the Electron shell (preload/index.ts). */
    nara?: NaraPreloadApi
  }
}
export {}
