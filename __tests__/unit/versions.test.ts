import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import type { JuliaPlatform } from '../../src/install/platform.js'
import {
  parseReleaseIndex,
  parseVersionSpec,
  pickReleaseFile,
  resolveVersion,
  yamlNumberHint,
  type ReleaseIndex,
  type VersionSpec
} from '../../src/install/versions.js'
import { fixturesDir } from '../helpers/test-julia.js'

// A real copy of https://julialang-s3.julialang.org/bin/versions.json from mid-2024
// (newest entry 1.11.0-rc4, newest stable 1.11.0, newest 1.10 release 1.10.5).
const fixtureData: unknown = JSON.parse(
  readFileSync(path.join(fixturesDir, 'versions.json'), 'utf8')
)
const index = parseReleaseIndex(fixtureData, 'fixture versions.json')

const linux: JuliaPlatform = { os: 'linux', arch: 'x86_64', libc: 'glibc' }
const linuxMusl: JuliaPlatform = { os: 'linux', arch: 'x86_64', libc: 'musl' }
const linuxArm: JuliaPlatform = { os: 'linux', arch: 'aarch64', libc: 'glibc' }
const macArm: JuliaPlatform = { os: 'mac', arch: 'aarch64', libc: 'glibc' }
const macIntel: JuliaPlatform = { os: 'mac', arch: 'x86_64', libc: 'glibc' }
const windows: JuliaPlatform = { os: 'winnt', arch: 'x86_64', libc: 'glibc' }

function resolve(spec: string, platform = linux, compatRange?: string): string {
  return resolveVersion(index, parseVersionSpec(spec), { platform, compatRange })
}

/** Runs `fn`, expects a UserError for `input`, returns its message. */
function userError(fn: () => unknown, input: string): string {
  try {
    fn()
  } catch (error) {
    assert.ok(error instanceof UserError, `expected a UserError, got ${String(error)}`)
    assert.equal(error.input, input)
    return error.message
  }
  assert.fail('expected an error')
}

function file(url: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    url,
    os: 'linux',
    arch: 'x86_64',
    triplet: 'x86_64-linux-gnu',
    kind: 'archive',
    extension: 'tar.gz',
    sha256: 'a'.repeat(64),
    size: 1,
    ...extra
  }
}

describe('parseVersionSpec', () => {
  const cases: [string, VersionSpec][] = [
    ['lts', { kind: 'lts' }],
    ['LTS', { kind: 'lts' }],
    ['pre', { kind: 'pre' }],
    ['min', { kind: 'min' }],
    ['1', { kind: 'range', range: '1' }],
    [' 1.10 ', { kind: 'range', range: '1.10' }],
    ['^1.9', { kind: 'range', range: '^1.9' }],
    ['1.10.4', { kind: 'exact', version: '1.10.4' }],
    ['v1.10.4', { kind: 'exact', version: '1.10.4' }],
    ['1.11.0-rc4', { kind: 'exact', version: '1.11.0-rc4' }],
    ['nightly', { kind: 'nightly', label: 'nightly' }],
    ['1.12-nightly', { kind: 'nightly', label: '1.12-nightly', branch: '1.12' }]
  ]
  for (const [text, expected] of cases) {
    it(`reads ${JSON.stringify(text)}`, () => assert.deepEqual(parseVersionSpec(text), expected))
  }

  for (const bad of ['', 'latest-ish', '1.x.y!', 'nightly-1.12']) {
    it(`refuses ${JSON.stringify(bad)} naming the input and the spellings`, () => {
      const message = userError(() => parseVersionSpec(bad), 'version')
      assert.match(message, /is not a Julia version/)
      assert.match(message, /lts, 1, 1\.10/)
      assert.match(message, /quote it/)
    })
  }
})

describe('resolveVersion on the real index', () => {
  it('lts is the newest 1.10 release', () => assert.equal(resolve('lts'), '1.10.5'))
  it('1 is the newest stable 1.x', () => assert.equal(resolve('1'), '1.11.0'))
  it('1.10 is the newest 1.10.x, not 1.1', () => assert.equal(resolve('1.10'), '1.10.5'))
  it('1.1 is the newest 1.1.x (what YAML makes of an unquoted 1.10)', () =>
    assert.equal(resolve('1.1'), '1.1.1'))
  it('1.10.4 is exactly that release', () => assert.equal(resolve('1.10.4'), '1.10.4'))
  it('^1.9 is the newest stable release below 2', () => assert.equal(resolve('^1.9'), '1.11.0'))
  it('~1.9 stays on 1.9', () => assert.equal(resolve('~1.9'), '1.9.4'))
  it('an exact prerelease is taken as asked', () =>
    assert.equal(resolve('1.11.0-rc4'), '1.11.0-rc4'))
  it('pre is the newest 1.x including prereleases', () => assert.equal(resolve('pre'), '1.11.0'))

  it('min is the lowest stable release the project compat allows', () => {
    assert.equal(resolve('min', linux, '^1.6'), '1.6.0')
    assert.equal(resolve('min', linux, '^1.6.3 || ^1.9'), '1.6.3')
  })

  it('min skips releases without a build for the platform (Apple silicon before 1.7)', () => {
    assert.equal(resolve('min', macArm, '^1.6'), '1.7.0')
  })

  it('min without a compat entry is refused with the fix', () => {
    assert.match(
      userError(() => resolve('min'), 'version'),
      /\[compat\] julia/
    )
  })

  it('an unknown exact version names the newest release of its line', () => {
    const message = userError(() => resolve('1.10.99'), 'version')
    assert.match(message, /Julia 1\.10\.99 is not in the release index/)
    assert.match(message, /newest 1\.10 release is 1\.10\.5/)
  })

  it('a range nothing matches names the newest release', () => {
    assert.match(
      userError(() => resolve('2'), 'version'),
      /no Julia release matches 2 \(the newest release is 1\.11\.0\)/
    )
  })

  it('a range whose matches exist only for other platforms says so', () => {
    const message = userError(() => resolve('1.6', macArm), 'version')
    assert.match(message, /no release matching 1\.6 has a download for mac aarch64/)
    assert.match(message, /1\.6\.7 matches/)
  })

  it('pre picks a release candidate newer than every release', () => {
    const small = parseReleaseIndex(
      {
        '1.11.2': {
          stable: true,
          files: [
            file(
              'https://julialang-s3.julialang.org/bin/linux/x64/1.11/julia-1.11.2-linux-x86_64.tar.gz'
            )
          ]
        },
        '1.12.0-rc1': {
          stable: false,
          files: [
            file(
              'https://julialang-s3.julialang.org/bin/linux/x64/1.12/julia-1.12.0-rc1-linux-x86_64.tar.gz'
            )
          ]
        }
      },
      'test index'
    )
    assert.equal(resolveVersion(small, parseVersionSpec('pre'), { platform: linux }), '1.12.0-rc1')
    assert.equal(resolveVersion(small, parseVersionSpec('1'), { platform: linux }), '1.11.2')
  })
})

describe('yamlNumberHint', () => {
  it('warns when 1.1 may be an unquoted 1.10', () => {
    assert.match(yamlNumberHint('1.1', index) ?? '', /quote it in YAML \('1\.10'\)/)
  })
  it('is silent for 1.10 and for 1.5 (there is no 1.50)', () => {
    assert.equal(yamlNumberHint('1.10', index), undefined)
    assert.equal(yamlNumberHint('1.5', index), undefined)
  })
})

describe('pickReleaseFile on the real index', () => {
  it('picks the glibc tarball for linux x86_64', () => {
    const chosen = pickReleaseFile(index, '1.10.4', linux)
    assert.equal(
      chosen.url,
      'https://julialang-s3.julialang.org/bin/linux/x64/1.10/julia-1.10.4-linux-x86_64.tar.gz'
    )
    assert.equal(chosen.triplet, 'x86_64-linux-gnu')
    assert.match(chosen.sha256, /^[0-9a-f]{64}$/)
  })

  it('never picks musl on a glibc system, for any release', () => {
    let checked = 0
    for (const version of index.keys()) {
      let chosen
      try {
        chosen = pickReleaseFile(index, version, linux)
      } catch {
        continue
      }
      checked++
      assert.equal(chosen.triplet, 'x86_64-linux-gnu', version)
    }
    assert.ok(checked > 100, `checked ${checked} releases`)
  })

  it('picks the musl tarball on a musl system, and refuses where there is none', () => {
    assert.equal(pickReleaseFile(index, '1.10.4', linuxMusl).triplet, 'x86_64-linux-musl')
    assert.match(
      userError(() => pickReleaseFile(index, '1.4.2', linuxMusl), 'version'),
      /no download for linux x86_64 \(musl\)/
    )
  })

  it('does not depend on the order of files: a musl entry listed first is skipped', () => {
    const musl = file(
      'https://julialang-s3.julialang.org/bin/musl/x64/1.10/julia-1.10.4-musl-x86_64.tar.gz',
      { triplet: 'x86_64-linux-musl' }
    )
    const gnu = file(
      'https://julialang-s3.julialang.org/bin/linux/x64/1.10/julia-1.10.4-linux-x86_64.tar.gz'
    )
    const small = parseReleaseIndex(
      { '1.10.4': { stable: true, files: [musl, gnu] } },
      'test index'
    )
    assert.equal(pickReleaseFile(small, '1.10.4', linux).url, gnu.url)
  })

  it('picks the aarch64 tarball for linux aarch64', () => {
    assert.equal(pickReleaseFile(index, '1.10.4', linuxArm).triplet, 'aarch64-linux-gnu')
  })

  it('prefers the .tar.gz over the .dmg on macOS', () => {
    assert.equal(
      pickReleaseFile(index, '1.10.4', macArm).url,
      'https://julialang-s3.julialang.org/bin/mac/aarch64/1.10/julia-1.10.4-macaarch64.tar.gz'
    )
  })

  it('prefers the .tar.gz over the .zip and the .exe on Windows', () => {
    assert.equal(
      pickReleaseFile(index, '1.10.4', windows).url,
      'https://julialang-s3.julialang.org/bin/winnt/x64/1.10/julia-1.10.4-win64.tar.gz'
    )
  })

  it('falls back to the .zip on Windows when there is no .tar.gz', () => {
    const zipUrl = 'https://julialang-s3.julialang.org/bin/winnt/x64/1.3/julia-1.3.1-win64.zip'
    const zip = file(zipUrl, {
      os: 'winnt',
      triplet: 'x86_64-w64-mingw32',
      extension: 'zip'
    })
    const exe = {
      ...zip,
      url: zipUrl.replace('.zip', '.exe'),
      kind: 'installer',
      extension: 'exe'
    }
    const small = parseReleaseIndex({ '1.3.1': { stable: true, files: [exe, zip] } }, 'test index')
    assert.equal(pickReleaseFile(small, '1.3.1', windows).extension, 'zip')
  })

  it('refuses installers: a release published only as .dmg or .exe', () => {
    assert.match(
      userError(() => pickReleaseFile(index, '1.4.0', macIntel), 'version'),
      /published only as \.dmg/
    )
    assert.match(
      userError(() => pickReleaseFile(index, '1.4.0-rc2', windows), 'version'),
      /published only as \.exe/
    )
  })

  it('refuses a platform the release is not built for, with the Rosetta hint on Apple silicon', () => {
    const message = userError(() => pickReleaseFile(index, '1.5.3', macArm), 'version')
    assert.match(
      message,
      /Julia 1\.5\.3 has no download for mac aarch64 \(it is built for .*linux x86_64/
    )
    assert.match(message, /Rosetta \(arch: x64\)/)
    assert.match(
      userError(() => pickReleaseFile(index, '1.8.0-beta2', linux), 'version'),
      /has no download for linux x86_64/
    )
  })

  it('refuses a file without a valid sha256', () => {
    const small = parseReleaseIndex(
      {
        '1.10.4': {
          files: [file('https://julialang-s3.julialang.org/bin/x.tar.gz', { sha256: 'nope' })]
        }
      },
      'test index'
    )
    assert.match(
      userError(() => pickReleaseFile(small, '1.10.4', linux), 'download-url'),
      /no valid sha256/
    )
  })
})

describe('parseReleaseIndex', () => {
  const malformed: [string, unknown, RegExp][] = [
    ['an array', [], /not a JSON object/],
    ['an empty object', {}, /lists no versions/],
    ['a key that is no version', { latest: { files: [] } }, /key "latest" is not a version/],
    [
      'an entry without files',
      { '1.10.4': { stable: true } },
      /entry 1\.10\.4 has no "files" list/
    ],
    [
      'a file that is no object',
      { '1.10.4': { files: ['x'] } },
      /file 0 of 1\.10\.4 is not an object/
    ]
  ]
  for (const [what, data, pattern] of malformed) {
    it(`refuses ${what}, naming the source`, () => {
      const message = userError(
        () => parseReleaseIndex(data, 'http://127.0.0.1:1/versions.json'),
        'download-url'
      )
      assert.match(message, /http:\/\/127\.0\.0\.1:1\/versions\.json is not a Julia release index/)
      assert.match(message, pattern)
    })
  }

  it('reads stable from the version when the entry has no flag', () => {
    const small: ReleaseIndex = parseReleaseIndex(
      { '1.2.0': { files: [] }, '1.3.0-rc1': { files: [] } },
      'test index'
    )
    assert.equal(small.get('1.2.0')?.stable, true)
    assert.equal(small.get('1.3.0-rc1')?.stable, false)
  })

  it('keeps every release of the real index', () => {
    assert.equal(index.size, Object.keys(fixtureData as object).length)
    assert.equal(index.get('1.10.4')?.stable, true)
  })
})
