/** `--mesh-listen` / the mesh listen setting: a port other than 7433 is served but warned about (Go always dials 7433). */
import { describe, expect, it } from 'vitest'
import { planMesh } from '../main/core/runtime/mesh-plan'

const plan = (listen: string) => planMesh({ listen, meshIP: '', transport: 'hybrid', detect: () => '' })

describe('--mesh-listen', () => {
  it('warns when the port is not 7433', () => {
    const p = plan('127.0.61.1:7434')
    expect(p.on).toBe(true)
    if (!p.on) return
    expect(p.listen).toEqual({ host: '127.0.61.1', port: 7434 })
    expect(p.warning).toMatch(/port 7434.*always dial port 7433/)
  })

  it('says nothing of the kind on 7433', () => {
    const p = plan('127.0.61.2:7433')
    expect(p.on && p.warning).toBe(null)
  })
})
