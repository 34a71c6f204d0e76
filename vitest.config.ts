import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    setupFiles: ['test/support/loopbackOnly.ts'],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Network tests bind real ports; two cores, so keep parallelism modest.
    maxWorkers: 2,
    pool: 'forks'
  }
})
