import assert from 'node:assert/strict'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, describe, it } from 'node:test'
import semver from 'semver'
import { UserError } from '../../src/errors.js'
import { juliaCompatToRange, readJuliaCompat } from '../../src/install/compat.js'

describe('juliaCompatToRange', () => {
  const cases: [string, string][] = [
    ['1.6', '^1.6'],
    ['1', '^1'],
    ['1.6, 1.10', '^1.6 || ^1.10'],
    ['^1.9', '^1.9'],
    ['~1.6', '~1.6'],
    ['=1.6.2', '=1.6.2'],
    ['>= 1.6', '>=1.6'],
    ['≥1.6', '>=1.6'],
    ['1.6 - 1.8', '1.6 - 1.8']
  ]
  for (const [compat, range] of cases) {
    it(`${compat} → ${range}`, () => assert.equal(juliaCompatToRange(compat), range))
  }

  it('means what Pkg means: a bare 1.6 allows 1.11 but not 2.0', () => {
    const range = juliaCompatToRange('1.6')!
    assert.ok(semver.satisfies('1.11.0', range))
    assert.ok(!semver.satisfies('2.0.0', range))
    assert.ok(!semver.satisfies('1.5.4', range))
  })

  it('returns undefined for what is not a range', () => {
    assert.equal(juliaCompatToRange('banana'), undefined)
    assert.equal(juliaCompatToRange('1.6,'), undefined)
  })
})

describe('readJuliaCompat', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'jsi-compat-'))
  after(() => rmSync(dir, { recursive: true, force: true }))

  it('reads [compat] julia from Project.toml', async () => {
    writeFileSync(path.join(dir, 'Project.toml'), 'name = "X"\n[compat]\njulia = "1.6, 1.10"\n')
    assert.equal(await readJuliaCompat(dir), '^1.6 || ^1.10')
  })

  it('returns undefined when the project sets none', async () => {
    writeFileSync(path.join(dir, 'Project.toml'), 'name = "X"\n[compat]\nExample = "0.5"\n')
    assert.equal(await readJuliaCompat(dir), undefined)
  })

  it('refuses an entry that is not a range, naming the file', async () => {
    writeFileSync(path.join(dir, 'Project.toml'), '[compat]\njulia = "soon"\n')
    await assert.rejects(
      readJuliaCompat(dir),
      (error) =>
        error instanceof UserError && /Project\.toml: \[compat\] julia = "soon"/.test(error.message)
    )
  })

  it('refuses a folder without a project', async () => {
    const empty = mkdtempSync(path.join(dir, 'empty-'))
    await assert.rejects(
      readJuliaCompat(empty),
      (error) => error instanceof UserError && /min needs a Project\.toml/.test(error.message)
    )
  })
})
