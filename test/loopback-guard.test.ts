import net from 'node:net'
import { describe, expect, it } from 'vitest'
import { takeViolations } from './support/loopbackOnly'

describe('loopback-only guard for the test suite', () => {
  it('refuses a TCP connection to a tailnet address before any packet leaves', () => {
    const socket = new net.Socket()
    expect(() => socket.connect(7433, '100.64.0.1')).toThrow(/only 127\.0\.0\.0\/8/)
    socket.destroy()
    expect(takeViolations()).toEqual([expect.stringContaining('100.64.0.1')])
  })

  it('still allows loopback connections', async () => {
    const server = net.createServer((s) => s.end('hi'))
    await new Promise<void>((r) => server.listen(0, '127.0.0.9', () => r()))
    const port = (server.address() as net.AddressInfo).port
    const got = await new Promise<string>((resolve, reject) => {
      const c = net.connect(port, '127.0.0.9')
      c.on('data', (d) => resolve(d.toString()))
      c.on('error', reject)
    })
    expect(got).toBe('hi')
    await new Promise<void>((r) => server.close(() => r()))
  })
})
