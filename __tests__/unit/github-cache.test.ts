import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { isFeatureAvailable } from '@actions/cache'
import { libraryPath } from '../../src/store/github-cache.js'
import {
  cacheMode,
  cacheServiceProtocol,
  isGitHubCacheAvailable
} from '../../src/store/github-cache-env.js'
import {
  parseLibraryLine,
  problemsIn,
  watchLibraryMessages
} from '../../src/store/library-messages.js'

const serviceVariables = [
  'ACTIONS_CACHE_SERVICE_V2',
  'ACTIONS_RESULTS_URL',
  'ACTIONS_CACHE_URL',
  'ACTIONS_RUNTIME_TOKEN',
  'GITHUB_SERVER_URL'
]

/** Runs `fn` with exactly `env` for the service variables, restoring them afterwards. */
function withServiceEnv<T>(env: Record<string, string>, fn: () => T): T {
  const saved = serviceVariables.map((name) => [name, process.env[name]] as const)
  for (const name of serviceVariables) delete process.env[name]
  Object.assign(process.env, env)
  try {
    return fn()
  } finally {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

describe('isGitHubCacheAvailable', () => {
  // Every combination of the variables the library looks at.
  const combinations: Record<string, string>[] = []
  for (const v2 of [undefined, 'true'])
    for (const results of [undefined, 'https://results.example/'])
      for (const cacheUrl of [undefined, 'https://cache.example/'])
        for (const server of [undefined, 'https://github.example.com', 'https://acme.ghe.com']) {
          const env: Record<string, string> = { ACTIONS_RUNTIME_TOKEN: 'token' }
          if (v2) env.ACTIONS_CACHE_SERVICE_V2 = v2
          if (results) env.ACTIONS_RESULTS_URL = results
          if (cacheUrl) env.ACTIONS_CACHE_URL = cacheUrl
          if (server) env.GITHUB_SERVER_URL = server
          combinations.push(env)
        }

  it("agrees with @actions/cache's isFeatureAvailable when the token is there", () => {
    for (const env of combinations) {
      const library = withServiceEnv(env, () => isFeatureAvailable())
      assert.equal(isGitHubCacheAvailable(env), library, JSON.stringify(env))
    }
    assert.ok(combinations.some((env) => isGitHubCacheAvailable(env)))
    assert.ok(combinations.some((env) => !isGitHubCacheAvailable(env)))
  })

  it('is false without the runtime token every request needs', () => {
    for (const env of combinations) {
      const rest = { ...env }
      delete rest.ACTIONS_RUNTIME_TOKEN
      assert.equal(isGitHubCacheAvailable(rest), false, JSON.stringify(rest))
    }
  })

  it('reads the v2 URL on github.com and the v1 URL on GHES', () => {
    const both = {
      ACTIONS_RUNTIME_TOKEN: 't',
      ACTIONS_CACHE_SERVICE_V2: 'true',
      ACTIONS_RESULTS_URL: 'https://r/'
    }
    assert.equal(cacheServiceProtocol(both), 'v2')
    assert.equal(isGitHubCacheAvailable(both), true)
    const ghes = { ...both, GITHUB_SERVER_URL: 'https://github.example.com' }
    assert.equal(cacheServiceProtocol(ghes), 'v1')
    assert.equal(isGitHubCacheAvailable(ghes), false)
    assert.equal(isGitHubCacheAvailable({ ...ghes, ACTIONS_CACHE_URL: 'https://c/' }), true)
  })
})

describe('cacheMode', () => {
  it('permits everything when unset or unknown, as @actions/cache does', () => {
    for (const mode of [undefined, '', 'bogus']) {
      assert.deepEqual(
        { ...cacheMode({ ACTIONS_CACHE_MODE: mode }), name: undefined },
        { name: undefined, readable: true, writable: true }
      )
    }
  })

  it('follows the lattice of ACTIONS_CACHE_MODE', () => {
    const modes = ['none', 'read', 'write', 'write-only', ' Read ']
    assert.deepEqual(
      modes.map((mode) => cacheMode({ ACTIONS_CACHE_MODE: mode })),
      [
        { name: 'none', readable: false, writable: false },
        { name: 'read', readable: true, writable: false },
        { name: 'write', readable: true, writable: true },
        { name: 'write-only', readable: false, writable: true },
        { name: 'read', readable: true, writable: false }
      ]
    )
  })
})

describe('library messages', () => {
  it('parses the lines @actions/core writes', () => {
    assert.deepEqual(parseLibraryLine('Cache restored successfully'), {
      level: 'info',
      text: 'Cache restored successfully'
    })
    assert.deepEqual(parseLibraryLine('::warning::Failed to restore: 50%25 done%0Athen'), {
      level: 'warning',
      text: 'Failed to restore: 50% done\nthen'
    })
    assert.deepEqual(parseLibraryLine('::error title=x::boom'), { level: 'error', text: 'boom' })
    assert.deepEqual(parseLibraryLine('::debug::detail'), { level: 'debug', text: 'detail' })
    assert.equal(parseLibraryLine('::add-mask::secret'), undefined)
    assert.equal(parseLibraryLine('   '), undefined)
  })

  it('picks the failures out of them, without repeats', () => {
    const problems = problemsIn([
      { level: 'info', text: 'Cache Size: ~0 MB' },
      { level: 'debug', text: 'Resolved Keys:' },
      { level: 'debug', text: 'Failed to reserve cache: Error: Failed to CreateCacheEntry: 403' },
      { level: 'info', text: 'Failed to save: Unable to reserve cache with key k' },
      { level: 'warning', text: 'upload failed: injected' },
      { level: 'warning', text: 'Failed to save: injected' },
      { level: 'error', text: 'Failed to save: upload failed: injected' }
    ])
    assert.equal(
      problems,
      'Failed to CreateCacheEntry: 403; Unable to reserve cache with key k; upload failed: injected'
    )
    assert.equal(problemsIn([{ level: 'info', text: 'Cache saved successfully' }]), '')
  })

  it('watches stdout while a call runs, passes it through, and then lets go', async () => {
    const original = process.stdout.write
    const seen: string[] = []
    // Stand in for the real stdout so the test's own output stays clean.
    process.stdout.write = ((chunk: string) => seen.push(chunk) > 0) as typeof process.stdout.write
    const inner = process.stdout.write
    try {
      const { result, messages } = await watchLibraryMessages(async () => {
        process.stdout.write('::warning::Failed to restore: ')
        process.stdout.write(Buffer.from('broken\nplain line\n'))
        return 42
      })
      assert.equal(result, 42)
      assert.deepEqual(messages, [
        { level: 'warning', text: 'Failed to restore: broken' },
        { level: 'info', text: 'plain line' }
      ])
      assert.equal(seen.length, 2)
      assert.equal(process.stdout.write, inner)
      await assert.rejects(
        watchLibraryMessages(() => Promise.reject(new Error('thrown'))),
        /thrown/
      )
      assert.equal(process.stdout.write, inner)
    } finally {
      process.stdout.write = original
    }
  })
})

describe('libraryPath', () => {
  it('writes paths under the home folder as ~/… so entries do not depend on the machine', () => {
    assert.equal(
      libraryPath('/home/runner/.cache/julia-sysimage/cache-entry', '/home/runner'),
      '~/.cache/julia-sysimage/cache-entry'
    )
    assert.equal(libraryPath('/Users/me/x', '/Users/me'), '~/x')
    assert.equal(libraryPath('/tmp/entry', '/home/runner'), '/tmp/entry')
    assert.equal(libraryPath('/home/runner2/x', '/home/runner'), '/home/runner2/x')
  })
})
