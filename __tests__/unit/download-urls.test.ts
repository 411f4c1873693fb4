import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import {
  nightlyUrl,
  normalizeBaseUrl,
  releaseFileUrl,
  releaseIndexUrl
} from '../../src/install/download-urls.js'

const official =
  'https://julialang-s3.julialang.org/bin/linux/x64/1.10/julia-1.10.4-linux-x86_64.tar.gz'

function failsFor(input: string, pattern: RegExp) {
  return (error: unknown) =>
    error instanceof UserError && error.input === input && pattern.test(error.message)
}

describe('normalizeBaseUrl', () => {
  it('adds the trailing slash file names are appended to', () => {
    assert.equal(
      normalizeBaseUrl('http://127.0.0.1:8080/julia/bin'),
      'http://127.0.0.1:8080/julia/bin/'
    )
    assert.equal(normalizeBaseUrl(' https://mirror.example/bin/ '), 'https://mirror.example/bin/')
  })
  it('refuses what is not an http(s) folder URL', () => {
    assert.throws(
      () => normalizeBaseUrl('mirror.example/bin'),
      failsFor('download-url', /is not a URL/)
    )
    assert.throws(
      () => normalizeBaseUrl('ftp://mirror.example/bin/'),
      failsFor('download-url', /ftp: URLs are not supported/)
    )
    assert.throws(
      () => normalizeBaseUrl('https://mirror.example/bin/?token=1'),
      failsFor('download-url', /query or fragment/)
    )
  })
})

describe('releaseIndexUrl and releaseFileUrl', () => {
  it('finds versions.json under the base', () => {
    assert.equal(
      releaseIndexUrl('https://julialang-s3.julialang.org/bin/'),
      'https://julialang-s3.julialang.org/bin/versions.json'
    )
  })
  it('keeps official URLs without a mirror', () => {
    assert.equal(releaseFileUrl(official, 'https://julialang-s3.julialang.org/bin/'), official)
  })
  it('moves official URLs under the mirror, same path', () => {
    assert.equal(
      releaseFileUrl(official, 'http://127.0.0.1:9/m/'),
      'http://127.0.0.1:9/m/linux/x64/1.10/julia-1.10.4-linux-x86_64.tar.gz'
    )
  })
  it('keeps URLs the mirror index already points at itself', () => {
    assert.equal(
      releaseFileUrl('http://127.0.0.1:9/m/a.tar.gz', 'http://127.0.0.1:9/m/'),
      'http://127.0.0.1:9/m/a.tar.gz'
    )
  })
  it('refuses an index that sends the download elsewhere', () => {
    assert.throws(
      () => releaseFileUrl('https://evil.example/julia.tar.gz', 'http://127.0.0.1:9/m/'),
      failsFor(
        'download-url',
        /points outside http:\/\/127\.0\.0\.1:9\/m\/: https:\/\/evil\.example/
      )
    )
  })
})

describe('nightlyUrl', () => {
  it('names the latest nightly per platform', () => {
    assert.equal(
      nightlyUrl({ os: 'linux', arch: 'x86_64', libc: 'glibc' }, undefined),
      'https://julialangnightlies-s3.julialang.org/bin/linux/x64/julia-latest-linux64.tar.gz'
    )
    assert.equal(
      nightlyUrl({ os: 'mac', arch: 'aarch64', libc: 'glibc' }, undefined),
      'https://julialangnightlies-s3.julialang.org/bin/mac/aarch64/julia-latest-macaarch64.tar.gz'
    )
    assert.equal(
      nightlyUrl({ os: 'winnt', arch: 'x86_64', libc: 'glibc' }, undefined),
      'https://julialangnightlies-s3.julialang.org/bin/winnt/x64/julia-latest-win64.tar.gz'
    )
  })
  it('puts a release branch nightly in its branch folder', () => {
    assert.equal(
      nightlyUrl({ os: 'linux', arch: 'aarch64', libc: 'glibc' }, '1.12'),
      'https://julialangnightlies-s3.julialang.org/bin/linux/aarch64/1.12/julia-latest-linux-aarch64.tar.gz'
    )
  })
  it('uses the mirror base when there is one', () => {
    assert.equal(
      nightlyUrl(
        { os: 'linux', arch: 'x86_64', libc: 'glibc' },
        undefined,
        'http://127.0.0.1:9/m/'
      ),
      'http://127.0.0.1:9/m/linux/x64/julia-latest-linux64.tar.gz'
    )
  })
  it('refuses platforms without nightlies', () => {
    assert.throws(
      () => nightlyUrl({ os: 'winnt', arch: 'aarch64', libc: 'glibc' }, undefined),
      failsFor('version', /no nightly for winnt aarch64/)
    )
    assert.throws(
      () => nightlyUrl({ os: 'linux', arch: 'x86_64', libc: 'musl' }, undefined),
      failsFor('version', /no nightly for linux x86_64 \(musl\)/)
    )
  })
})
