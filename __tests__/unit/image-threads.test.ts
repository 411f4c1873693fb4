import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { chooseImageThreads, memoryPerThread, serialMemory } from '../../src/image-threads.js'
import { parseJuliaVersion } from '../../src/julia/version.js'

const GiB = 1024 ** 3
const v110 = parseJuliaVersion('1.10.4')

describe('chooseImageThreads', () => {
  it('uses every CPU when memory allows (Julia alone would use half)', () => {
    assert.equal(chooseImageThreads(undefined, v110, 4, 16 * GiB).threads, 4)
  })
  it('lowers the count to what the free memory holds', () => {
    const free = serialMemory + 2 * memoryPerThread + GiB / 2
    const choice = chooseImageThreads(undefined, v110, 8, free)
    assert.equal(choice.threads, 2)
    assert.match(choice.reason, /8 CPUs, but .* GiB free memory allows 2/)
  })
  it('never goes below one thread, even when memory looks short', () => {
    assert.equal(chooseImageThreads(undefined, v110, 4, GiB).threads, 1)
  })
  it('the image-threads input overrides the choice', () => {
    assert.deepEqual(chooseImageThreads(6, v110, 2, GiB), { threads: 6, reason: 'image-threads' })
  })
  it('sets nothing before Julia 1.10, which has no parallel emission', () => {
    assert.equal(chooseImageThreads(4, parseJuliaVersion('1.9.4'), 8, 64 * GiB).threads, undefined)
  })
})
