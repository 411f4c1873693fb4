import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { chainedFlagCheckArgs, chainIncapability } from '../../src/stages/chained/support.js'
import { chooseMode as choose, modeReason } from '../../src/mode.js'
import { UserError } from '../../src/errors.js'
import { juliaInfo } from '../helpers/julia-info.js'

const official = juliaInfo('linux', '1.12.1')
const capable = { entryPoint: true, flag: true }
const none = { entryPoint: false, flag: false }
const old = juliaInfo('linux', '1.5.3')
type Requested = Parameters<typeof choose>[0]
const chooseMode = (
  requested: Requested,
  julia: typeof official,
  chain: typeof none,
  hasOwnCode = false
) => choose(requested, { julia, chain, hasOwnCode })

describe('chooseMode', () => {
  it('auto: full on official Julia, chained on a Julia that can chain', () => {
    assert.equal(chooseMode('auto', official, none), 'full')
    assert.equal(chooseMode('auto', official, capable), 'chained')
  })
  it('auto: both halves are needed; either alone means full', () => {
    assert.equal(chooseMode('auto', official, { entryPoint: true, flag: false }), 'full')
    assert.equal(chooseMode('auto', official, { entryPoint: false, flag: true }), 'full')
  })
  it('full is always full', () => {
    assert.equal(chooseMode('full', official, capable), 'full')
  })
  it('chained on an official Julia: one error naming the input, the missing parts and the fix', () => {
    assert.throws(
      () => chooseMode('chained', official, none),
      (error: unknown) => {
        assert.ok(error instanceof UserError)
        assert.match(
          error.message,
          /^mode: chained images need a Julia built with the chained-sysimage patch \(JuliaLang\/julia PR #46045/
        )
        assert.match(
          error.message,
          /Julia 1\.12\.1 does not export jl_precompiles_for_sysimage and does not accept --sysimage-native-code=chained/
        )
        assert.match(error.message, /Use mode: auto, full or layered, or point julia-path/)
        return true
      }
    )
  })
  it('chained on a capable Julia', () => {
    assert.equal(chooseMode('chained', official, capable), 'chained')
  })
})

describe('chooseMode: layered', () => {
  it('auto layers a project with own code on Julia ≥ 1.9, and says why', () => {
    assert.equal(chooseMode('auto', official, none, true), 'layered')
    assert.match(
      modeReason('layered', 'auto', { julia: official, chain: none, hasOwnCode: true }),
      /code of its own/
    )
  })
  it('auto builds a full image without own code, and on Julia 1.5.3 whatever the project', () => {
    assert.equal(chooseMode('auto', official, none, false), 'full')
    assert.equal(chooseMode('auto', old, none, true), 'full')
    assert.match(
      modeReason('full', 'auto', { julia: old, chain: none, hasOwnCode: true }),
      /Julia 1\.5\.3 has no native code in package images \(1\.9\+\)/
    )
  })
  it('auto still chains on a Julia that can, own code or not', () => {
    assert.equal(chooseMode('auto', official, capable, true), 'chained')
  })
  it('layered on Julia 1.5.3: one error naming the input and the fix', () => {
    assert.throws(
      () => chooseMode('layered', old, none, true),
      /mode: layered images need Julia 1\.9 or later .* Julia 1\.5\.3\. Use mode: full/
    )
    assert.equal(chooseMode('layered', official, none, true), 'layered')
  })
  it('layered without own code: Julia 1.10 can load its workload layer, 1.11 on cannot (one error)', () => {
    assert.equal(chooseMode('layered', juliaInfo('linux', '1.10.8'), none, false), 'layered')
    for (const version of ['1.11.7', '1.12.1'])
      assert.throws(
        () => chooseMode('layered', juliaInfo('linux', version), none, false),
        /mode: layered images need code of their own on Julia 1\.1[12]\.\d+: .* Use mode: full/
      )
  })
})

describe('chainIncapability', () => {
  it('says nothing for a capable Julia and names one missing half alone', () => {
    assert.equal(chainIncapability(official, capable), undefined)
    assert.equal(
      chainIncapability(official, { entryPoint: true, flag: false }),
      'Julia 1.12.1 does not accept --sysimage-native-code=chained'
    )
  })
})

describe('chainedFlagCheckArgs', () => {
  it('puts the flag before --version, so an unknown value fails before anything prints', () => {
    assert.deepEqual(chainedFlagCheckArgs, ['--sysimage-native-code=chained', '--version'])
  })
})
