import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  failuresOf,
  figuresOf,
  formatPercent,
  formatSize,
  formatMs,
  formatTable,
  median,
  spread,
  summarize,
  type RunRecord
} from '../../bench/summary.js'

const MB = 1024 * 1024

function run(n: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    project: 'hello',
    run: n,
    cold: { exitCode: 0, wallMs: 100_000 + n * 10_000 },
    warm: { exitCode: 0, wallMs: 2_000, cacheHit: true, sameImage: true },
    metadata: {
      timings: { install: 5, probe: 400, instantiate: 3_000, object: 80_000, link: 2_000 },
      object: { size: 174 * MB, peakMemory: 2048 * MB },
      image: { size: 155 * MB, sha256: 'ab' },
      statements: { traced: 60, used: 40 },
      measurement: {
        without: { loadMs: 300, workMs: 4_700 },
        with: { loadMs: 200, workMs: 300 },
        speedup: 10,
        residual: 2
      },
      juliaProcessMs: 90_000
    },
    ...overrides
  }
}

describe('median and spread', () => {
  it('takes the middle value of an odd count and the mean of the two middle ones of an even count', () => {
    assert.equal(median([3, 1, 2]), 2)
    assert.equal(median([4, 1, 3, 2]), 2.5)
    assert.equal(median([7]), 7)
    assert.throws(() => median([]))
  })

  it('ignores runs without the figure and reports how many had it', () => {
    assert.deepEqual(spread([5, undefined, 1, 3]), { median: 3, min: 1, max: 5, n: 3 })
    assert.equal(spread([undefined, undefined]), undefined)
  })
})

describe('formatting', () => {
  it('prints sizes in binary units, durations in ms or s, percentages with one decimal', () => {
    assert.equal(formatSize(512), '512 B')
    assert.equal(formatSize(174.25 * MB), '174.3 MB')
    assert.equal(formatSize(2.5 * 1024 * MB), '2.5 GB')
    assert.equal(formatMs(850.4), '850 ms')
    assert.equal(formatMs(161_234), '161.2 s')
    assert.equal(formatPercent(12.345), '12.3 %')
  })
})

describe('figures of a run', () => {
  it('derives warm/cold, the overhead outside Julia and residual/used per run', () => {
    const f = figuresOf(run(1))
    assert.equal(f.coldWall, 110_000)
    assert.equal(f.warmPercent, (100 * 2_000) / 110_000)
    assert.equal(f.overhead, 20_000)
    assert.equal(f.residualPercent, 5)
    assert.equal(f['stage:object'], 80_000)
    assert.equal(f.speedup, 10)
  })

  it('has no overhead when the metadata does not record the time spent in Julia', () => {
    const r = run(1)
    delete r.metadata!.juliaProcessMs
    assert.equal(figuresOf(r).overhead, undefined)
    assert.match(
      formatTable(summarize('hello', [r]), { cpuTarget: 'native' }),
      /\| overhead outside Julia \| n\/a \| n\/a \|/
    )
  })
})

describe('failures', () => {
  it('reports a warm run that was not a cache hit as a failure and leaves its time out', () => {
    const missed = run(2, {
      warm: { exitCode: 0, wallMs: 120_000, cacheHit: false, sameImage: false }
    })
    assert.deepEqual(failuresOf(missed), [
      'hello run 2: the warm run rebuilt the image instead of restoring it (cache miss)'
    ])
    assert.equal(figuresOf(missed).warmWall, undefined)
    const summary = summarize('hello', [run(1), missed])
    assert.equal(summary.failures.length, 1)
    assert.equal(summary.figures.warmWall?.n, 1)
    assert.match(formatTable(summary, { cpuTarget: 'native' }), /\*\*FAILED\*\* \(1\)/)
  })

  it('reports a failed cold build, a failed warm run and a different restored image', () => {
    assert.match(
      failuresOf(run(1, { cold: { exitCode: 1, wallMs: 5 } }))[0],
      /cold build failed \(exit code 1\)/
    )
    assert.match(
      failuresOf(
        run(1, { warm: { exitCode: 1, wallMs: 5, cacheHit: false, sameImage: false } })
      )[0],
      /warm run failed/
    )
    assert.match(
      failuresOf(run(1, { warm: { exitCode: 0, wallMs: 5, cacheHit: true, sameImage: false } }))[0],
      /other than the one/
    )
    assert.deepEqual(failuresOf(run(1)), [])
  })
})

describe('the table', () => {
  it('has the stages in pipeline order, then the fixed figures, with median and range', () => {
    const table = formatTable(summarize('catalog', [run(1), run(2), run(3)]), {
      cpuTarget: 'native'
    })
    const lines = table.split('\n')
    assert.equal(lines[0], '### catalog (3 runs, cpu-target native)')
    assert.deepEqual(
      lines.filter((l) => l.startsWith('| stage:')).map((l) => l.split(' | ')[0]),
      [
        '| stage: install',
        '| stage: probe',
        '| stage: instantiate',
        '| stage: object',
        '| stage: link'
      ]
    )
    assert.ok(lines.includes('| total cold wall | 120.0 s | 110.0 s – 130.0 s |'))
    assert.ok(lines.includes('| image size | 155.0 MB | 155.0 MB |'))
    assert.ok(lines.includes('| without / with (load + work) | 10.0× | 10.0× |'))
    assert.ok(!table.includes('FAILED'))
  })
})
