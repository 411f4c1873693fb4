import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, it } from 'node:test'
import {
  baseImageFile,
  baseRecordProblem,
  type BaseRecord
} from '../../src/stages/base-archive/record.js'
import { chainedLinkObjects, removeLinkTableArgs } from '../../src/stages/chained/recipe.js'

describe('the chained recipe (PR #46045)', () => {
  it('links the new code, the data, then the base code', () => {
    assert.deepEqual(
      chainedLinkObjects((name) => path.posix.join('/w', name)),
      ['/w/text.o', '/w/data.o', '/w/text-old.o']
    )
  })
  it('removes only the link table section, in place', () => {
    assert.deepEqual(removeLinkTableArgs('/w/text-old.o'), [
      '--remove-section=.data.jl.sysimg_link',
      '/w/text-old.o'
    ])
  })
})

describe('baseRecordProblem', () => {
  const sha = 'a'.repeat(64)
  const record: BaseRecord = {
    schema: 1,
    key: 'k',
    julia: '1.10.4',
    cpuTarget: 'native',
    archive: { file: 'sys-o.a', sha256: sha, size: 1 },
    image: { file: baseImageFile('so'), sha256: sha, size: 1 },
    createdAt: '2026-01-01T00:00:00Z'
  }
  const expected = { key: 'k', julia: '1.10.4', dlext: 'so' }
  it('accepts a record of this key and Julia', () => {
    assert.equal(baseRecordProblem(record, expected), undefined)
  })
  it('refuses another key, another Julia, other files, missing checksums, garbage', () => {
    assert.match(baseRecordProblem({ ...record, key: 'x' }, expected)!, /belongs to x/)
    assert.match(baseRecordProblem({ ...record, julia: '1.11.0' }, expected)!, /Julia 1\.11\.0/)
    assert.match(baseRecordProblem(record, { ...expected, dlext: 'dylib' })!, /names other files/)
    const noSha = { ...record, image: { ...record.image, sha256: '' } }
    assert.match(baseRecordProblem(noSha, expected)!, /no checksums/)
    assert.match(baseRecordProblem(null, expected)!, /not a base record/)
  })
})
