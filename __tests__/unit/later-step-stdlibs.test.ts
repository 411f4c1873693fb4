import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { laterStepStdlibs } from '../../src/stages/project/index.js'
import { parseJuliaVersion } from '../../src/julia/version.js'

describe('the stdlibs an image holds for later steps', () => {
  it('none on Julia 1.5, whose own image holds Pkg and Test (and so every image built on it)', () => {
    assert.deepEqual(laterStepStdlibs(parseJuliaVersion('1.5.3'), 'full'), [])
  })
  it('Pkg and Test from 1.9 (package images), full and layered, prereleases included', () => {
    for (const v of ['1.9.4', '1.10.8', '1.11.0', '1.12.6', '1.13.0-beta1'])
      for (const mode of ['full', 'layered'] as const)
        assert.deepEqual(
          laterStepStdlibs(parseJuliaVersion(v), mode).map((p) => p.name),
          ['Pkg', 'Test'],
          `${v} ${mode}`
        )
  })
  it('none for a chained image', () => {
    assert.deepEqual(laterStepStdlibs(parseJuliaVersion('1.12.6'), 'chained'), [])
  })
})
