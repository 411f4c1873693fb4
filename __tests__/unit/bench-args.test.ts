import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { parseBenchArgs } from '../../bench/args.js'
import { hasDepotDefaults, runEnv } from '../../bench/environment.js'

const now = new Date('2026-12-06T12:00:00Z')

describe('bench options: which Julia, offline machines', () => {
  it('--julia is resolved to an absolute path; without it the julia on PATH', () => {
    const plain = parseBenchArgs([], '/repo', now)
    assert.ok(plain !== 'help')
    assert.equal(plain.julia, undefined)
    assert.equal(plain.offline, false)
    const chosen = parseBenchArgs(['--julia', 'j/bin/julia', '--offline'], '/repo', now)
    assert.ok(chosen !== 'help')
    assert.equal(chosen.julia, path.resolve('j/bin/julia'))
    assert.equal(chosen.offline, true)
  })
  it('Julia ≥ 1.7 keeps the default depots after the fresh one; 1.5 gets the fresh depot alone', () => {
    assert.equal(hasDepotDefaults('julia version 1.10.8+RAI'), true)
    assert.equal(hasDepotDefaults('julia version 1.5.3'), false)
    assert.equal(hasDepotDefaults(undefined), false)
    const root = mkdtempSync(path.join(os.tmpdir(), 'jsi-bench-env-'))
    try {
      const depot = path.join(root, 'depot')
      assert.equal(
        runEnv(root, {}, { offline: false }, 'julia version 1.10.8').JULIA_DEPOT_PATH,
        `${depot}${path.delimiter}`
      )
      assert.equal(
        runEnv(root, {}, { offline: false }, 'julia version 1.5.3').JULIA_DEPOT_PATH,
        depot
      )
      assert.ok(!existsSync(path.join(depot, 'registries')))
      // bullseye's libunwind (for Debian's 1.5) would crash a newer Julia
      assert.equal(
        runEnv(root, {}, { offline: false }, 'julia version 1.10.8').LD_LIBRARY_PATH,
        undefined
      )
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
  it('offline: each fresh depot gets a stub General registry and no package server', () => {
    const root = mkdtempSync(path.join(os.tmpdir(), 'jsi-bench-env-'))
    try {
      const env = runEnv(root, {}, { offline: true }, 'julia version 1.10.8')
      assert.equal(env.JULIA_PKG_SERVER, '')
      const registry = readFileSync(
        path.join(root, 'depot', 'registries', 'General', 'Registry.toml'),
        'utf8'
      )
      assert.match(registry, /uuid = "23338594-aafe-5451-b93e-139f81909106"/)
    } finally {
      rmSync(root, { recursive: true, force: true })
    }
  })
})
