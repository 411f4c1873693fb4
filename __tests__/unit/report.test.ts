import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import type { ImageMetadata } from '../../src/metadata.js'
import { defaultArtifactName, skippedStatementsNote, summaryTables } from '../../src/report.js'

const metadata: ImageMetadata = {
  schema: 1,
  tool: { name: 'julia-sysimage', version: '0.1.0' },
  createdAt: '2026-01-01T00:00:00.000Z',
  image: { file: 'sysimage.so', sha256: 'ab', size: 155 * 1024 * 1024 },
  julia: { version: '1.10.4', commit: 'c', os: 'linux', arch: 'x86_64', llvm: '15.0.7' },
  cpuTarget: 'native',
  mode: 'full',
  juliaArgs: ['--sysimage=/w/sysimage.so'],
  project: { packages: ['Hello'], packagesInImage: ['Hello'], addedFromWorkload: [] },
  workloads: ['workload.jl'],
  statements: {
    traced: 30,
    unique: 26,
    used: 25,
    skipped: { main: 2, malformed: 1, unresolvable: 1, failed: 0 },
    variants: { added: 70, used: 66, skipped: 4 }
  },
  object: { size: 1, peakMemory: 1 },
  timings: {},
  juliaProcessMs: 0,
  measurement: {
    without: { loadMs: 200, workMs: 1800 },
    with: { loadMs: 100, workMs: 20 },
    speedup: 16.67,
    residual: 0,
    residualMain: 2,
    residualStatements: []
  }
}

describe('summaryTables', () => {
  it('a layered image: one row per layer, as this run got it', () => {
    const layered: ImageMetadata = {
      ...metadata,
      mode: 'layered',
      layers: {
        folder: 'sysimage.layers',
        dependencies: {
          status: 'restored',
          key: 'k1',
          ms: 1500,
          size: 190e6,
          packages: ['TableKit'],
          statementsUsed: 300
        },
        own: {
          status: 'built',
          key: 'k2',
          ms: 4200,
          size: 170e3,
          packages: [
            { name: 'Ledger', status: 'built', seconds: 3.1 },
            { name: 'Rules', status: 'precompiled', seconds: 0 }
          ]
        },
        workload: { status: 'built', key: 'k3', ms: 9000, size: 4e6, statements: 68, used: 66 },
        precompiledAtRunTime: []
      }
    }
    const tables = summaryTables({
      metadata: layered,
      cacheHit: false,
      cacheKey: 'k3',
      timings: {}
    })
    const layers = tables.find((t) => t.caption.startsWith('Layers'))!
    assert.equal(layers.caption, 'Layers (first work with all three: 0.02 s)')
    assert.deepEqual(layers.rows.slice(1), [
      ['dependency image', 'restored', '1.50 s', '181.2 MB', 'TableKit; 300 statements'],
      ['own package images', 'built', '4.20 s', '166.0 KB', 'Ledger (built), Rules (precompiled)'],
      ['workload package', 'built', '9.00 s', '3.8 MB', '66 of 68 statements']
    ])
  })
  it('shows before/after, the stages of this run and the image facts', () => {
    const tables = summaryTables({
      metadata,
      cacheHit: false,
      cacheKey: 'k',
      timings: { probe: 400, object: 115000 }
    })
    assert.deepEqual(
      tables.map((t) => t.caption),
      ['Time to first X', 'Build time per stage', 'Image']
    )
    assert.deepEqual(tables[0].rows[1], ['without image', '0.20 s', '1.80 s', '2.00 s'])
    assert.deepEqual(tables[0].rows[2], ['with image', '0.10 s', '0.02 s', '0.12 s'])
    assert.deepEqual(tables[0].rows[3], ['speed-up', '', '', '16.67×'])
    assert.deepEqual(tables[1].rows, [
      ['stage', 'time'],
      ['probe', '0.40 s'],
      ['object', '115.00 s']
    ])
    const image = Object.fromEntries(tables[2].rows.slice(1))
    assert.equal(image.cache, 'miss (k)')
    assert.equal(image['image size'], '155.0 MB')
    assert.equal(image['statements used'], '25 of 26 distinct (30 traced)')
    assert.equal(
      image['statements skipped'],
      '2 bound to Main, 1 malformed, 1 unresolvable, 0 failed'
    )
    assert.equal(image['compiled at run time with the image'], '0')
    assert.equal(
      image['statements added for other stdout kinds'],
      '66 of 70 used (file, terminal, pipe, devnull and their IOContexts)'
    )
    assert.equal(image.mode, 'full')
  })
  it('shows the residual per stdout kind, and reads metadata written before variants existed', () => {
    const olderStatements = { ...metadata.statements }
    delete olderStatements.variants
    const tables = summaryTables({
      metadata: {
        ...metadata,
        statements: olderStatements,
        measurement: {
          ...metadata.measurement!,
          residual: 3,
          residualByStdout: { pipe: 1, file: 3 }
        }
      },
      cacheHit: true,
      cacheKey: 'k',
      timings: {}
    })
    const image = Object.fromEntries(tables.at(-1)!.rows.slice(1))
    assert.equal(image['compiled at run time with the image'], '3 (stdout a pipe: 1, a file: 3)')
    assert.equal(image['statements added for other stdout kinds'], 'not recorded')
    const withTerminal = summaryTables({
      metadata: {
        ...metadata,
        measurement: {
          ...metadata.measurement!,
          residual: 4,
          residualByStdout: { pipe: 1, file: 3, terminal: 4 }
        }
      },
      cacheHit: true,
      cacheKey: 'k',
      timings: {}
    })
    assert.equal(
      Object.fromEntries(withTerminal.at(-1)!.rows.slice(1))['compiled at run time with the image'],
      '4 (stdout a pipe: 1, a file: 3, a terminal: 4)'
    )
  })
  it('names the base of a chained image', () => {
    const base = { key: 'julia-sysimage-base-linux-x', imageSha256: 'ab'.repeat(32) }
    const tables = summaryTables({
      metadata: { ...metadata, mode: 'chained', base },
      cacheHit: false,
      cacheKey: 'k',
      timings: {}
    })
    const image = Object.fromEntries(tables.at(-1)!.rows.slice(1))
    assert.equal(
      image.mode,
      'chained on base julia-sysimage-base-linux-x (image sha256 abababababab…)'
    )
  })
  it('says when the image came from the cache', () => {
    const tables = summaryTables({
      metadata: { ...metadata, measurement: undefined },
      cacheHit: true,
      cacheKey: 'k',
      timings: { restore: 900 }
    })
    assert.deepEqual(
      tables.map((t) => t.caption),
      ['This run (restored from the cache)', 'Image']
    )
    assert.equal(Object.fromEntries(tables[1].rows.slice(1)).cache, 'hit (k)')
  })
})

describe('skippedStatementsNote', () => {
  it('is one line with the counts, or nothing when nothing was skipped', () => {
    assert.match(
      skippedStatementsNote(metadata) ?? '',
      /^4 of the recorded statements could not go into the image: 2 bound/
    )
    const clean = {
      ...metadata,
      statements: {
        ...metadata.statements,
        skipped: { main: 0, malformed: 0, unresolvable: 0, failed: 0 }
      }
    }
    assert.equal(skippedStatementsNote(clean), undefined)
  })
})

describe('defaultArtifactName', () => {
  it('is sysimage-<os>-<arch>-julia-<version>', () => {
    assert.equal(defaultArtifactName(metadata), 'sysimage-linux-x86_64-julia-1.10.4')
  })
})
