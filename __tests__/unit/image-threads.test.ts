import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import {
  availableMemory,
  chooseImageThreads,
  juliaDefaultImageThreads,
  memoryPerThread,
  serialMemory
} from '../../src/image-threads.js'
import { parseJuliaVersion } from '../../src/julia/version.js'

const GiB = 1024 ** 3
const v110 = parseJuliaVersion('1.10.4')

describe('chooseImageThreads', () => {
  const v112 = parseJuliaVersion('1.12.6')
  it('the memory model reproduces the measurements: 1.10 4.9 GB, 1.12 5.5 GB and 6.7 GB', () => {
    assert.equal(((serialMemory(v110) + 2 * memoryPerThread) / GiB).toFixed(1), '4.9')
    assert.equal(((serialMemory(v112) + memoryPerThread) / GiB).toFixed(1), '5.5')
    assert.equal(((serialMemory(v112) + 2 * memoryPerThread) / GiB).toFixed(1), '6.7')
  })
  it("a 7 GB runner (GitHub's for private repositories, ~6.5 GiB free): 1 thread from 1.11, whose images hold Pkg", () => {
    assert.equal(chooseImageThreads(undefined, v112, 2, 6.5 * GiB).threads, 1)
    assert.equal(chooseImageThreads(undefined, v110, 2, 6.5 * GiB).threads, 2)
  })
  it('uses every CPU when the available memory holds them (Julia alone would use half)', () => {
    const choice = chooseImageThreads(undefined, v110, 4, 16 * GiB)
    assert.equal(choice.threads, 4)
    assert.match(choice.reason, /^every CPU \(4\)/)
  })
  it("between Julia's default and every CPU: as many as the memory holds", () => {
    const available = serialMemory(v110) + 5 * memoryPerThread + GiB / 2
    const choice = chooseImageThreads(undefined, v110, 8, available)
    assert.equal(choice.threads, 5)
    assert.match(choice.reason, /^5 of 8 CPUs/)
  })
  it("when memory is short, never more than Julia's own default, and at least one", () => {
    for (const gib of [1, 3, 4, 5, 6, 7]) {
      const choice = chooseImageThreads(undefined, v110, 8, gib * GiB)
      assert.ok(choice.threads! <= juliaDefaultImageThreads(8), `${gib} GiB: ${choice.threads}`)
      assert.ok(choice.threads! >= 1)
    }
    const short = chooseImageThreads(undefined, v110, 8, 4 * GiB)
    assert.equal(short.threads, 1)
    assert.match(short.reason, /memory is short .* not Julia's default of 4/)
  })
  it("this machine's kind (2 CPUs, 24 GiB): both CPUs", () => {
    assert.equal(chooseImageThreads(undefined, v110, 2, 23 * GiB).threads, 2)
  })
  it('the image-threads input overrides the choice', () => {
    assert.deepEqual(chooseImageThreads(6, v110, 2, GiB), {
      threads: 6,
      reason: 'set by image-threads'
    })
  })
  it('sets nothing before Julia 1.10, which has no parallel emission', () => {
    assert.equal(chooseImageThreads(4, parseJuliaVersion('1.9.4'), 8, 64 * GiB).threads, undefined)
  })
})

describe("Julia's own default and the memory to count on", () => {
  it('half the CPUs, at least one (aotcompile.cpp, 1.10–1.12)', () => {
    assert.deepEqual([1, 2, 3, 8].map(juliaDefaultImageThreads), [1, 1, 1, 4])
  })
  it('a cgroup limit below the free memory wins; none (or an unlimited one) leaves free memory', () => {
    assert.equal(availableMemory(20 * GiB, 8 * GiB), 8 * GiB)
    assert.equal(availableMemory(20 * GiB, undefined), 20 * GiB)
    assert.equal(availableMemory(20 * GiB, 0), 20 * GiB)
    assert.equal(availableMemory(20 * GiB, 2 ** 64), 20 * GiB)
  })
})
