import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import {
  describePlatform,
  hostLibc,
  juliaArch,
  juliaOs,
  toolCacheArch
} from '../../src/install/platform.js'

describe('juliaArch', () => {
  const spellings: [string, string][] = [
    ['X64', 'x86_64'],
    ['x64', 'x86_64'],
    ['x86_64', 'x86_64'],
    ['amd64', 'x86_64'],
    ['ARM64', 'aarch64'],
    ['arm64', 'aarch64'],
    ['aarch64', 'aarch64'],
    ['X86', 'i686'],
    ['x86', 'i686'],
    ['i686', 'i686'],
    ['ia32', 'i686']
  ]
  for (const [spelling, arch] of spellings) {
    it(`${spelling} → ${arch}`, () => assert.equal(juliaArch(spelling, 'x64'), arch))
  }

  it("empty and 'default' mean the machine's own", () => {
    assert.equal(juliaArch(undefined, 'arm64'), 'aarch64')
    assert.equal(juliaArch('', 'x64'), 'x86_64')
    assert.equal(juliaArch('default', 'ia32'), 'i686')
  })

  it('refuses an architecture Julia is not built for, naming the input', () => {
    assert.throws(
      () => juliaArch('sparc', 'x64'),
      (error) =>
        error instanceof UserError &&
        error.input === 'arch' &&
        /"sparc" is not an architecture/.test(error.message)
    )
  })
})

describe('juliaOs', () => {
  it('maps Node platforms to the index names', () => {
    assert.equal(juliaOs('linux'), 'linux')
    assert.equal(juliaOs('darwin'), 'mac')
    assert.equal(juliaOs('win32'), 'winnt')
  })
  it('refuses a platform without Julia builds', () => {
    assert.throws(
      () => juliaOs('aix'),
      (error) => error instanceof UserError && /aix/.test(error.message)
    )
  })
})

describe('toolCacheArch', () => {
  it("uses setup-julia's keys so its installs are shared", () => {
    assert.equal(toolCacheArch('x86_64'), 'x64')
    assert.equal(toolCacheArch('aarch64'), 'aarch64')
    assert.equal(toolCacheArch('i686'), 'x86')
  })
})

describe('hostLibc', () => {
  it(
    'reports glibc on this glibc machine',
    { skip: process.platform !== 'linux' && 'Linux only' },
    () => {
      assert.equal(hostLibc(), 'glibc')
    }
  )
})

describe('describePlatform', () => {
  it('names the libc on Linux only', () => {
    assert.equal(
      describePlatform({ os: 'linux', arch: 'x86_64', libc: 'musl' }),
      'linux x86_64 (musl)'
    )
    assert.equal(describePlatform({ os: 'mac', arch: 'aarch64', libc: 'glibc' }), 'mac aarch64')
  })
})
