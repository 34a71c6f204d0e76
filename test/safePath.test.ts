import { describe, expect, it } from 'vitest'
import { cleanUrlPath, hasDotSegment, resolveUnderRoot, staticContentType, STRICT_PATH_POLICY } from '../main/core/safePath'

const LENIENT = { allowDotfiles: true, allowControlChars: true }

describe('safe static paths', () => {
  it('maps clean paths to segments, the empty path to index.html', () => {
    expect(cleanUrlPath('/')).toEqual({ ok: true, value: ['index.html'] })
    expect(cleanUrlPath('')).toEqual({ ok: true, value: ['index.html'] })
    expect(cleanUrlPath('/assets//app.js')).toEqual({ ok: true, value: ['assets', 'app.js'] })
    expect(cleanUrlPath('/my%20font.woff2')).toEqual({ ok: true, value: ['my font.woff2'] })
  })

  it.each([
    ['/%E0%A4%A', 'bad_encoding'],
    ['/a/../b', 'dot_segment'],
    ['/%2e%2e/secret', 'dot_segment'],
    ['/./x', 'dot_segment'],
    ['/a%5cb', 'forbidden_characters'],
    ['/a%00b', 'forbidden_characters'],
    ['/C:/Windows', 'forbidden_characters'],
    ['/c%3a/x', 'forbidden_characters']
  ])('refuses %s under every policy (%s)', (path, code) => {
    for (const policy of [STRICT_PATH_POLICY, LENIENT]) {
      const r = cleanUrlPath(path, policy)
      expect(r.ok).toBe(false)
      if (!r.ok) expect(r.error.code).toBe(code)
    }
  })

  it('refuses dotfiles and control characters only under the strict policy', () => {
    expect(cleanUrlPath('/.env')).toMatchObject({ ok: false, error: { code: 'dot_segment' } })
    expect(cleanUrlPath('/.env', LENIENT)).toEqual({ ok: true, value: ['.env'] })
    expect(cleanUrlPath('/a%0ab')).toMatchObject({ ok: false, error: { code: 'forbidden_characters' } })
    expect(cleanUrlPath('/a%0ab', LENIENT)).toEqual({ ok: true, value: ['a\nb'] })
  })

  it('sees dot segments behind either slash kind', () => {
    expect(hasDotSegment('/a\\..\\b')).toBe(true)
    expect(hasDotSegment('/a/./b')).toBe(true)
    expect(hasDotSegment('/a/..b/c')).toBe(false)
  })

  it('resolves strictly inside the root, and types files by extension', () => {
    expect(resolveUnderRoot('/srv/ui', ['assets', 'a.js'])).toEqual({ ok: true, value: '/srv/ui/assets/a.js' })
    expect(resolveUnderRoot('/srv/ui', ['..', 'etc', 'passwd'])).toMatchObject({ ok: false, error: { code: 'outside_root' } })
    expect(resolveUnderRoot('/srv/ui', ['/etc/passwd'])).toMatchObject({ ok: false, error: { code: 'outside_root' } })
    expect(resolveUnderRoot('/srv/ui', [])).toMatchObject({ ok: false, error: { code: 'outside_root' } })
    expect(staticContentType('/srv/ui/index.HTML')).toBe('text/html; charset=utf-8')
    expect(staticContentType('/srv/ui/secrets.env')).toBeUndefined()
  })
})
