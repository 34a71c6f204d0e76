import { resolve } from 'node:path'
import { defineConfig } from 'electron-vite'
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { devCspPlugin } from './scripts/dev-csp.mjs'

// Top-level main/, preload/, renderer/ (the design card), not electron-vite's default src/.
export default defineConfig({
  main: {
    build: {
      outDir: 'out/main',
      lib: { entry: resolve(__dirname, 'main/index.ts') },
      rollupOptions: { external: ['keytar', 'electron-store'] }
    }
  },
  preload: {
    build: {
      outDir: 'out/preload',
      lib: { entry: resolve(__dirname, 'preload/index.ts') },
      // Sandboxed preloads cannot be ES modules: emit CommonJS as out/preload/index.cjs.
      rollupOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } }
    }
  },
  renderer: {
    root: resolve(__dirname, 'renderer'),
    plugins: [svelte(), devCspPlugin()],
    build: {
      outDir: resolve(__dirname, 'out/renderer'),
      rollupOptions: { input: resolve(__dirname, 'renderer/index.html') }
    }
  }
})
