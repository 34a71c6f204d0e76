/** `nara run --mesh-listen`: a port other than 7433 is served but warned about (Go always dials 7433). */
import { afterEach, describe, expect, it } from 'vitest'
import { meshRunHook } from '../main/core/mesh/runHook'
import { makeNode } from './support/nodes'

const cleanups: (() => Promise<void>)[] = []
afterEach(async () => {
  for (const f of cleanups.splice(0).reverse()) await f().catch(() => {})
})

async function run(listen: string): Promise<string[]> {
  const node = makeNode('hooky', 'mqtt://127.0.0.1:1', { transport: 'hybrid' })
  cleanups.push(() => node.stop(500))
  const err: string[] = []
  await meshRunHook({ node, values: { 'mesh-listen': listen }, io: { err: (l) => err.push(l), out: () => {} } })
  return err
}

describe('--mesh-listen', () => {
  it('warns when the port is not 7433', async () => {
    const err = await run('127.0.61.1:7434')
    expect(err.some((l) => /port 7434.*always dial port 7433/.test(l))).toBe(true)
    expect(err.some((l) => l.startsWith('mesh: listening on 127.0.61.1:7434'))).toBe(true)
  })

  it('says nothing of the kind on 7433', async () => {
    const err = await run('127.0.61.2:7433')
    expect(err.some((l) => /always dial/.test(l))).toBe(false)
    expect(err.some((l) => l.startsWith('mesh: listening on 127.0.61.2:7433'))).toBe(true)
  })
})
