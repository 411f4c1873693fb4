import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { resolveCpuTarget } from '../../src/cpu-target.js'
import { UserError } from '../../src/errors.js'
import { parseJuliaVersion } from '../../src/julia/version.js'

const v110 = parseJuliaVersion('1.10.4')
const v15 = parseJuliaVersion('1.5.3')

describe('resolveCpuTarget', () => {
  it('native by default', () => {
    assert.equal(resolveCpuTarget('', 'x86_64', 'linux', v110), 'native')
    assert.equal(resolveCpuTarget('native', 'aarch64', 'macos', v110), 'native')
  })
  it("portable is the official builds' list for the architecture", () => {
    assert.equal(
      resolveCpuTarget('portable', 'x86_64', 'linux', v110),
      'generic;sandybridge,-xsaveopt,clone_all;haswell,-rdrnd,base(1);x86-64-v4,-rdrnd,base(1)'
    )
    assert.equal(
      resolveCpuTarget('portable', 'aarch64', 'macos', v110),
      'generic;apple-m1,clone_all'
    )
    assert.match(resolveCpuTarget('portable', 'aarch64', 'linux', v110), /^generic;cortex-a57;/)
  })
  it('leaves out x86-64-v4 where LLVM does not know it (Julia < 1.7)', () => {
    assert.equal(
      resolveCpuTarget('portable', 'x86_64', 'linux', v15),
      'generic;sandybridge,-xsaveopt,clone_all;haswell,-rdrnd,base(1)'
    )
  })
  it('passes a well-formed target list through', () => {
    assert.equal(
      resolveCpuTarget(' generic;haswell,clone_all ', 'x86_64', 'linux', v110),
      'generic;haswell,clone_all'
    )
  })
  it('refuses malformed strings with a message naming the input', () => {
    for (const bad of ['generic;;haswell', 'native $(id)', ';generic', 'x y']) {
      assert.throws(
        () => resolveCpuTarget(bad, 'x86_64', 'linux', v110),
        (e: unknown) => e instanceof UserError && e.input === 'cpu-target'
      )
    }
  })
  it('has no portable list for unknown architectures', () => {
    assert.throws(
      () => resolveCpuTarget('portable', 'riscv64', 'linux', v110),
      /no portable target list is known for riscv64/
    )
  })
})
