import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import { parseJuliaFlags } from '../../src/julia-flags.js'
import { imageCacheKey, layerCacheKey, type KeyInputs } from '../../src/keys.js'

describe('julia-flags', () => {
  it("julia-runtest's flags: check-bounds shapes code, depwarn is only run with, a default is dropped", () => {
    assert.deepEqual(parseJuliaFlags('--check-bounds=yes --inline=yes\n --depwarn=yes'), {
      all: ['--check-bounds=yes', '--depwarn=yes'],
      code: ['--check-bounds=yes']
    })
    assert.deepEqual(parseJuliaFlags(''), { all: [], code: [] })
    assert.deepEqual(parseJuliaFlags('--check-bounds=auto --depwarn=no --inline=yes'), {
      all: [],
      code: []
    })
    // sorted by name, the last one given wins, as in Julia
    assert.deepEqual(parseJuliaFlags('--inline=no --check-bounds=no --check-bounds=yes').all, [
      '--check-bounds=yes',
      '--inline=no'
    ])
  })

  it('anything else: one error naming the input, the flag and what is accepted', () => {
    for (const bad of [
      '--check-bounds',
      '--check-bounds=maybe',
      '-O3',
      '--code-coverage=user',
      'x'
    ])
      assert.throws(
        () => parseJuliaFlags(`--inline=yes ${bad}`),
        (error: unknown) =>
          error instanceof UserError &&
          error.input === 'julia-flags' &&
          error.message.includes(JSON.stringify(bad)) &&
          /--check-bounds=yes\|no\|auto/.test(error.fix)
      )
  })

  it('part of every key; no flags keep the keys they had', () => {
    const base: KeyInputs = {
      prefix: '',
      julia: { version: '1.10.8', build: 'commit:abc' },
      os: 'linux',
      arch: 'x64',
      cpuTarget: 'native',
      mode: 'layered',
      packages: ['A'],
      files: []
    }
    const flagged = { ...base, juliaFlags: ['--check-bounds=yes'] }
    assert.notEqual(imageCacheKey(flagged), imageCacheKey(base))
    assert.equal(imageCacheKey({ ...base, juliaFlags: [] }), imageCacheKey(base))
    const layer = { ...base, facts: [], files: [] }
    assert.notEqual(
      layerCacheKey('own', { ...layer, juliaFlags: ['--check-bounds=yes'] }),
      layerCacheKey('own', layer)
    )
  })
})
