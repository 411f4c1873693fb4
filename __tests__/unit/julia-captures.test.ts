import assert from 'node:assert/strict'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { hasJuliaLinkRecipe, parseJuliaLinkCommand } from '../../src/stages/link/linker.js'
import { capturedJulia, capturesDir } from '../helpers/julia-info.js'
import { testJuliaExecutables, withModernLane, type TestJulia } from '../helpers/test-julia.js'

/** Every Julia captured by scripts/capture-julia.ts; a newer one joins by capturing it. */
const captured = readdirSync(capturesDir)

describe('captured Julias (scripts/capture-julia.ts)', () => {
  it('at least the Julia the tests run on is captured', () => {
    assert.ok(captured.includes('1.5.3-linux-x86_64'), captured.join(', '))
  })
  for (const name of captured) {
    it(`${name}: the probe output parses to the Julia the folder is named for`, () => {
      const julia = capturedJulia(name, '/captured/bin/julia')
      assert.equal(`${julia.versionString}-${julia.os}-${julia.arch}`, name)
      assert.ok(julia.baseImage.endsWith(`.${julia.dlext}`), julia.baseImage)
    })
    it(`${name}: Julia's own link command is captured exactly when the Julia has one`, () => {
      const julia = capturedJulia(name, '/captured/bin/julia')
      const file = path.join(capturesDir, name, 'link-command.bin')
      assert.equal(existsSync(file), hasJuliaLinkRecipe(julia))
      if (!existsSync(file)) return
      const command = parseJuliaLinkCommand(readFileSync(file, 'utf8'))
      // captured for /work/image-o.a → /out/image.so: the archive is linked whole, into the output
      const at = command.args.indexOf('/work/image-o.a')
      assert.ok(at > 0, command.args.join(' '))
      assert.ok(command.args.includes('/out/image.so'))
    })
  }
})

describe('testJuliaExecutables (JULIA_SYSIMAGE_TEST_JULIAS)', () => {
  it('unset or empty: the julia on PATH', () => {
    assert.deepEqual(testJuliaExecutables(undefined), ['julia'])
    assert.deepEqual(testJuliaExecutables(' '), ['julia'])
  })
  it('several executables separated like PATH entries, each once, in order', () => {
    const list = ['/opt/julia-1.10/bin/julia', '/opt/julia-1.12/bin/julia'].join(path.delimiter)
    assert.deepEqual(testJuliaExecutables(`${list}${path.delimiter}/opt/julia-1.10/bin/julia`), [
      '/opt/julia-1.10/bin/julia',
      '/opt/julia-1.12/bin/julia'
    ])
  })
})

describe('withModernLane: the suites that depend on the Julia version also run on Julia ≥ 1.9', () => {
  const julia = (version: string | undefined, skip?: string): TestJulia => ({
    label: `Julia ${version}`,
    executable: `/j/${version}/julia`,
    version,
    skip,
    env: (depot) => ({ JULIA_DEPOT_PATH: depot })
  })
  it('a listed, working 1.10 or 1.12 needs no stand-in', () => {
    assert.equal(withModernLane([julia('1.5.3'), julia('1.10.8+RAI')]).length, 2)
    assert.equal(withModernLane([julia('1.12.0-rc1')]).length, 1)
  })
  it('with 1.5 alone, or a 1.10 that does not run, a skipped stand-in says why', () => {
    for (const listed of [[julia('1.5.3')], [julia('1.5.3'), julia('1.10.8', 'does not run')]]) {
      const lane = withModernLane(listed)
      assert.equal(lane.length, listed.length + 1)
      const standIn = lane.at(-1)
      assert.match(standIn?.skip ?? '', /no Julia ≥ 1\.9 is listed in JULIA_SYSIMAGE_TEST_JULIAS/)
    }
  })
})
