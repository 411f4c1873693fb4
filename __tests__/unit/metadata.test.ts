import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { buildMetadata, type MetadataParts } from '../../src/metadata.js'
import { sha256File } from '../../src/util/hash.js'
import { toolVersion } from '../../src/version.js'

const parts: MetadataParts = {
  toolVersion: '9.9.9',
  image: { file: 'img.so', sha256: 'ab'.repeat(32), size: 1000 },
  julia: { version: '1.5.3', commit: '', os: 'linux', arch: 'x86_64', llvm: '9.0.1' },
  cpuTarget: 'native',
  mode: 'full',
  imagePath: '/out/img.so',
  packages: ['Hello'],
  workloads: ['workload.jl'],
  statementCounts: { read: 30, unique: 25, main: 2, malformed: 3 },
  replay: {
    statements: 25,
    used: 22,
    unparsable: 1,
    unresolvable: 1,
    failed: 1,
    packages: ['Hello'],
    variants: { statements: 40, used: 37, skipped: 3 },
    added: ['Printf'],
    stdlibs: [],
    notLoadable: [],
    extensions: []
  },
  objectSize: 2000,
  peakMemory: 3000,
  timings: { probe: 10.4, object: 100000.6 },
  juliaProcessMs: 99000.4,
  verification: {
    load: { packagesInImage: ['Hello'], packagesMissing: [] },
    without: { loadMs: 200.2, workMs: 1800 },
    with: { loadMs: 100, workMs: 0 },
    residual: { count: 1, main: 2, statements: ['precompile(Tuple{typeof(Base.f)})'] }
  },
  now: new Date('2026-01-02T03:04:05Z')
}

describe('buildMetadata', () => {
  it('adds the skip counts of both filtering sides and rounds timings', () => {
    const m = buildMetadata(parts)
    assert.deepEqual(m.statements, {
      traced: 30,
      unique: 25,
      used: 22,
      skipped: { main: 2, malformed: 4, unresolvable: 1, failed: 1 },
      // the stdout variants are counted apart, not in `used`
      variants: { added: 40, used: 37, skipped: 3 }
    })
    assert.deepEqual(m.timings, { probe: 10, object: 100001 })
    assert.deepEqual(m.juliaArgs, ['--sysimage=/out/img.so'])
    assert.equal(m.createdAt, '2026-01-02T03:04:05.000Z')
    assert.equal(m.juliaProcessMs, 99000)
    assert.equal(m.mode, 'full')
    assert.equal('base' in m, false)
  })
  it('records the emission threads beside the peak memory, only where Julia has them', () => {
    assert.deepEqual(buildMetadata({ ...parts, imageThreads: 2 }).object, {
      size: parts.objectSize,
      peakMemory: 3000,
      imageThreads: 2
    })
    assert.equal('imageThreads' in buildMetadata(parts).object, false)
  })
  it('records the modules loaded into the image because the workload loaded them', () => {
    assert.deepEqual(buildMetadata(parts).project.addedFromWorkload, ['Printf'])
  })
  it('records the base a chained image was built on', () => {
    const base = { key: 'julia-sysimage-base-x', imageSha256: 'cd'.repeat(32) }
    const m = buildMetadata({ ...parts, mode: 'chained', base })
    assert.equal(m.mode, 'chained')
    assert.deepEqual(m.base, base)
  })
  it('reports the speed-up of load + first work', () => {
    const m = buildMetadata(parts)
    assert.equal(m.measurement?.speedup, 20)
    assert.equal(m.measurement?.residual, 1)
    assert.equal(m.measurement?.residualMain, 2)
  })
  it('records the residual per stdout kind; the headline field keeps its meaning', () => {
    const pipe = { count: 0, main: 2, statements: [] }
    const file = { count: 3, main: 2, statements: ['a', 'b', 'c'] }
    const m = buildMetadata({
      ...parts,
      verification: { ...parts.verification, residual: file, residualByStdout: { pipe, file } }
    })
    assert.deepEqual(m.measurement?.residualByStdout, { pipe: 0, file: 3 })
    assert.equal(m.measurement?.residual, 3)
    assert.deepEqual(m.measurement?.residualStatements, ['a', 'b', 'c'])
  })
  it('has no measurement when the runs were skipped', () => {
    const m = buildMetadata({ ...parts, verification: { load: parts.verification.load } })
    assert.equal(m.measurement, undefined)
  })
})

describe('sha256File', () => {
  it('hashes file contents', async () => {
    const file = path.join(await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-sha-')), 'x')
    await fs.writeFile(file, 'abc')
    assert.equal(
      await sha256File(file),
      'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad'
    )
    await fs.rm(path.dirname(file), { recursive: true })
  })
})

describe('toolVersion', () => {
  it('matches package.json', async () => {
    const pkg = JSON.parse(await fs.readFile('package.json', 'utf8')) as { version: string }
    assert.equal(toolVersion, pkg.version)
  })
})
