import assert from 'node:assert/strict'
import path from 'node:path'
import { describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import { parseInstallArgs } from '../../src/cli/install-command.js'
import { satisfies } from '../../src/install/select.js'
import { resolveToolCacheDir } from '../../src/install/tool-cache.js'
import { parseVersionSpec } from '../../src/install/versions.js'

describe('satisfies (may a Julia already present be used?)', () => {
  const check = (version: string, spec: string) => satisfies(version, parseVersionSpec(spec))
  it('exact versions must be equal', () => {
    assert.equal(check('1.10.4', '1.10.4'), true)
    assert.equal(check('1.10.5', '1.10.4'), false)
  })
  it('ranges are satisfied by any member, as after setup-julia with the same spec', () => {
    assert.equal(check('1.10.4', '1.10'), true)
    assert.equal(check('1.11.1', '1'), true)
    assert.equal(check('1.5.3', '1.10'), false)
    assert.equal(check('1.11.0-rc1', '1.11'), false)
  })
  it('lts is any 1.10', () => {
    assert.equal(check('1.10.9', 'lts'), true)
    assert.equal(check('1.11.0', 'lts'), false)
  })
  it('nightly is a DEV build, of the branch when one is named', () => {
    assert.equal(check('1.13.0-DEV.123', 'nightly'), true)
    assert.equal(check('1.12.0-DEV.9', '1.12-nightly'), true)
    assert.equal(check('1.13.0-DEV.123', '1.12-nightly'), false)
    assert.equal(check('1.12.0', 'nightly'), false)
  })
  it('pre and min need the release index: undecided', () => {
    assert.equal(check('1.11.0', 'pre'), undefined)
    assert.equal(check('1.6.0', 'min'), undefined)
  })
})

describe('resolveToolCacheDir', () => {
  it('prefers the explicit folder, then RUNNER_TOOL_CACHE, then XDG, then ~/.cache', () => {
    assert.equal(
      resolveToolCacheDir('/x/tc', { RUNNER_TOOL_CACHE: '/r' }, '/home/u'),
      path.resolve('/x/tc')
    )
    assert.equal(
      resolveToolCacheDir(
        undefined,
        { RUNNER_TOOL_CACHE: '/r', XDG_CACHE_HOME: '/xdg' },
        '/home/u'
      ),
      '/r'
    )
    assert.equal(
      resolveToolCacheDir(undefined, { XDG_CACHE_HOME: '/xdg' }, '/home/u'),
      path.join('/xdg', 'julia-sysimage', 'tool-cache')
    )
    assert.equal(
      resolveToolCacheDir(undefined, {}, '/home/u'),
      path.join('/home/u', '.cache', 'julia-sysimage', 'tool-cache')
    )
  })
})

describe('parseInstallArgs', () => {
  it('reads every flag, resolving folders against the working directory', () => {
    assert.deepEqual(
      parseInstallArgs(
        [
          '--version',
          '1.10',
          '--arch',
          'ARM64',
          '--download-url',
          'http://127.0.0.1:1/',
          '--tool-cache',
          'tc'
        ],
        '/work'
      ),
      {
        spec: '1.10',
        arch: 'ARM64',
        downloadUrl: 'http://127.0.0.1:1/',
        toolCacheDir: path.resolve('/work', 'tc'),
        projectDir: path.resolve('/work')
      }
    )
  })
  it('asks for --version', () => {
    assert.throws(
      () => parseInstallArgs([], '/w'),
      (error) => error instanceof UserError && error.input === '--version'
    )
  })
  it('refuses unknown and empty flags', () => {
    assert.throws(
      () => parseInstallArgs(['--version', '1', '--bogus'], '/w'),
      (error) => error instanceof UserError && error.input === 'arguments'
    )
    assert.throws(
      () => parseInstallArgs(['--version', '1', '--arch', ''], '/w'),
      (error) => error instanceof UserError && error.input === '--arch'
    )
  })
  it('answers --help', () => assert.equal(parseInstallArgs(['--help'], '/w'), 'help'))
})
