import assert from 'node:assert/strict'
import { readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import {
  parseArtifactsToml,
  selectArtifact,
  type JllArtifact,
  type ToolPlatform
} from '../../src/stages/chained/tools/artifacts.js'
import {
  findJllTable,
  jllTablesDir,
  shippedArtifact,
  shippedJllTables,
  type JllPackage
} from '../../src/stages/chained/tools/jll-tables.js'
import { llvmMajor, matchShippedLlvm } from '../../src/stages/chained/tools/llvm-version.js'
import {
  llvmToolCachePath,
  llvmToolPath,
  llvmToolUrl
} from '../../src/stages/chained/tools/install-tools.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..')
const tablesFolder = path.join(repoRoot, 'jll')

const llvmVersions = ['15.0.7', '16.0.6', '18.1.7', '20.1.8']

/** Each runner platform and the BinaryBuilder triplet its build must have. */
const platforms: { label: string; platform: ToolPlatform; triplet: string }[] = [
  {
    label: 'linux-gnu x64',
    platform: { os: 'linux', arch: 'x86_64', libc: 'glibc' },
    triplet: 'x86_64-linux-gnu-cxx11'
  },
  {
    label: 'linux-gnu aarch64',
    platform: { os: 'linux', arch: 'aarch64', libc: 'glibc' },
    triplet: 'aarch64-linux-gnu-cxx11'
  },
  {
    label: 'linux-musl x64',
    platform: { os: 'linux', arch: 'x86_64', libc: 'musl' },
    triplet: 'x86_64-linux-musl-cxx11'
  },
  {
    label: 'linux-musl aarch64',
    platform: { os: 'linux', arch: 'aarch64', libc: 'musl' },
    triplet: 'aarch64-linux-musl-cxx11'
  },
  {
    label: 'macOS x64',
    platform: { os: 'macos', arch: 'x86_64', libc: 'glibc' },
    triplet: 'x86_64-apple-darwin'
  },
  {
    label: 'macOS aarch64',
    platform: { os: 'macos', arch: 'aarch64', libc: 'glibc' },
    triplet: 'aarch64-apple-darwin'
  },
  {
    label: 'Windows x64',
    platform: { os: 'windows', arch: 'x86_64', libc: 'glibc' },
    triplet: 'x86_64-w64-mingw32-cxx11'
  }
]

function expectedFileName(pkg: JllPackage, version: string, triplet: string): string {
  const major = version.split('.')[0]
  return pkg === 'LLD'
    ? `LLD.v${version}.${triplet}-llvm_version+${major}.tar.gz`
    : `LLVM_full.v${version}.${triplet}.tar.gz`
}

function rawTable(pkg: JllPackage, version: string): string {
  return readFileSync(path.join(tablesFolder, `${pkg}_jll-${version}.Artifacts.toml`), 'utf8')
}

/** The sha256 the raw table text lists right above the url ending in `fileName` (no TOML parser). */
function shaInText(text: string, fileName: string): string {
  const escaped = fileName.replace(/[.+]/g, '\\$&')
  const found = new RegExp(`sha256 = "([0-9a-f]{64})"\\s*\\n\\s*url = "[^"]*/${escaped}"`).exec(
    text
  )
  assert.ok(found, `the table lists ${fileName}`)
  return found[1]
}

function rejects(fn: () => unknown, ...patterns: RegExp[]): void {
  assert.throws(fn, (error) => {
    assert.ok(error instanceof UserError, `a UserError, got ${String(error)}`)
    for (const pattern of patterns) assert.match(error.message, pattern)
    return true
  })
}

describe('the shipped JLL tables', () => {
  it('live in jll/ at the repository root, and package.json ships that folder', () => {
    assert.equal(jllTablesDir, tablesFolder)
    const manifest = JSON.parse(readFileSync(path.join(repoRoot, 'package.json'), 'utf8')) as {
      files: string[]
    }
    assert.ok(manifest.files.includes('jll'))
  })

  for (const pkg of ['LLD', 'LLVM_full'] as const) {
    it(`${pkg}: one table per LLVM version, oldest first`, () => {
      assert.deepEqual(
        shippedJllTables(pkg).map((t) => t.llvmVersion),
        llvmVersions
      )
    })
  }

  it('finds a table by LLVM major or version, and nothing for a major not shipped', () => {
    const table = findJllTable('LLD', 18)
    assert.equal(table?.llvmVersion, '18.1.7')
    assert.equal(table?.text, rawTable('LLD', '18.1.7'))
    assert.equal(findJllTable('LLVM_full', '16.0.6')?.llvmVersion, '16.0.6')
    assert.equal(findJllTable('LLD', 17), undefined)
    assert.equal(findJllTable('LLVM_full', '21.1.8'), undefined)
  })
})

describe('selecting the build for a Julia and a platform', () => {
  for (const pkg of ['LLD', 'LLVM_full'] as const) {
    for (const version of llvmVersions) {
      for (const { label, platform, triplet } of platforms) {
        it(`${pkg} for LLVM ${version} on ${label}`, () => {
          const chosen = shippedArtifact(pkg, version, platform)
          const fileName = expectedFileName(pkg, version, triplet)
          assert.equal(chosen.fileName, fileName)
          assert.ok(
            chosen.url.startsWith(
              `https://github.com/JuliaBinaryWrappers/${pkg}_jll.jl/releases/download/${pkg}-v${version}+`
            ),
            chosen.url
          )
          assert.ok(chosen.url.endsWith(`/${fileName}`))
          assert.equal(chosen.sha256, shaInText(rawTable(pkg, version), fileName))
          assert.equal(chosen.asserts, false)
          assert.equal(chosen.version, version)
          assert.match(chosen.build, new RegExp(`^${version.replaceAll('.', '\\.')}\\+\\d+$`))
        })
      }
    }
  }

  it('matches sha256 sums copied from the JLL packages', () => {
    const linux: ToolPlatform = { os: 'linux', arch: 'x86_64', libc: 'glibc' }
    const linuxArm: ToolPlatform = { os: 'linux', arch: 'aarch64', libc: 'glibc' }
    const macArm: ToolPlatform = { os: 'macos', arch: 'aarch64', libc: 'glibc' }
    const windows: ToolPlatform = { os: 'windows', arch: 'x86_64', libc: 'glibc' }
    const cases: [JllPackage, string, ToolPlatform, string][] = [
      ['LLD', '15.0.7', linux, 'ab3b64bbadd1064e4da91ac0373f504672b648b68932f4d7df1806b3b5488159'],
      ['LLD', '15.0.7', macArm, '5e8608eb1cc6c274a30ce2fc6b13b072d43bd9ebca89a33a54fedb2f6fe993d7'],
      [
        'LLD',
        '16.0.6',
        windows,
        'fc4349c7388af0c4a967a5bb86721931b9dc019f9312123cebc4b58ceac81e3a'
      ],
      [
        'LLD',
        '18.1.7',
        linuxArm,
        '0b704eb36eafb4b785974ed2616db859891753886d252eeb51db58f7cf4b1582'
      ],
      ['LLD', '20.1.8', linux, 'a859864f877bf749ad054f4fe2a5e57e19ce9d38a9152ff46d2745b8d88e2491'],
      [
        'LLVM_full',
        '18.1.7',
        linuxArm,
        '8e8f7e6030dbd55a2d20b722cfcbc1834cc4d106020f1a57ccebf9af76e16746'
      ]
    ]
    for (const [pkg, version, platform, sha256] of cases) {
      assert.equal(shippedArtifact(pkg, version, platform).sha256, sha256, `${pkg} ${version}`)
    }
  })

  it('goes by the LLVM major: a patch release Julia reports still finds its table', () => {
    const linux: ToolPlatform = { os: 'linux', arch: 'x86_64', libc: 'glibc' }
    assert.equal(shippedArtifact('LLD', '15.0.5', linux).version, '15.0.7')
    assert.equal(shippedArtifact('LLVM_full', '16.0.6jl', linux).version, '16.0.6')
  })

  it('never picks an asserts or sanitizer build from any shipped table', () => {
    for (const pkg of ['LLD', 'LLVM_full'] as const) {
      for (const version of llvmVersions) {
        const all = parseArtifactsToml(rawTable(pkg, version), `${pkg} ${version}`)
        if (pkg === 'LLD')
          assert.ok(
            all.some((a) => a.asserts),
            'the table has asserts builds'
          )
        for (const { platform } of platforms) {
          const chosen = selectArtifact(all, platform, llvmMajor(version))
          assert.equal(chosen.asserts, false)
          assert.doesNotMatch(chosen.fileName, /asserts|sanitize/)
          assert.equal(chosen.sanitize, undefined)
        }
      }
    }
  })
})

/** A minimal table in the JLL schema; `builds` are TOML fragments of one `[[LLD]]` each. */
function table(...builds: { keys: string; file: string; sha?: string }[]): JllArtifact[] {
  const text = builds
    .map(
      (b, i) =>
        `[[LLD]]\n${b.keys}\n    [[LLD.download]]\n    sha256 = "${b.sha ?? String(i).repeat(64)}"\n    url = "https://example.test/LLD-v15.0.7+1/${b.file}"\n`
    )
    .join('')
  return parseArtifactsToml(text, 'test table')
}

const linuxKeys = 'arch = "x86_64"\nos = "linux"\nlibc = "glibc"\ncxxstring_abi = "cxx11"'
const linux: ToolPlatform = { os: 'linux', arch: 'x86_64', libc: 'glibc' }

describe('selection rules on small tables', () => {
  it('skips asserts and sanitizer builds even when the table lists them first', () => {
    const chosen = selectArtifact(
      table(
        {
          keys: `${linuxKeys}\nllvm_version = "15.asserts"`,
          file: 'LLD.v15.0.7.x86_64-linux-gnu-cxx11-llvm_version+15.asserts.tar.gz'
        },
        {
          keys: `${linuxKeys}\nllvm_version = "15"\nsanitize = "memory"`,
          file: 'LLD.v15.0.7.x86_64-linux-gnu-cxx11-sanitize+memory-llvm_version+15.tar.gz'
        },
        {
          keys: `${linuxKeys}\nllvm_version = "15"`,
          file: 'LLD.v15.0.7.x86_64-linux-gnu-cxx11-llvm_version+15.tar.gz'
        }
      ),
      linux,
      15
    )
    assert.equal(chosen.fileName, 'LLD.v15.0.7.x86_64-linux-gnu-cxx11-llvm_version+15.tar.gz')
    assert.equal(chosen.sha256, '2'.repeat(64))
  })

  it('prefers the cxx11 string ABI, but takes cxx03 when it is all there is', () => {
    const cxx03 = {
      keys: linuxKeys.replace('cxx11', 'cxx03') + '\nllvm_version = "15"',
      file: 'LLD.v15.0.7.x86_64-linux-gnu-cxx03-llvm_version+15.tar.gz'
    }
    const cxx11 = {
      keys: `${linuxKeys}\nllvm_version = "15"`,
      file: 'LLD.v15.0.7.x86_64-linux-gnu-cxx11-llvm_version+15.tar.gz'
    }
    assert.equal(selectArtifact(table(cxx03, cxx11), linux, 15).fileName, cxx11.file)
    assert.equal(selectArtifact(table(cxx03), linux, 15).fileName, cxx03.file)
  })

  it('refuses a table that has only asserts builds or another LLVM', () => {
    const onlyAsserts = table({
      keys: `${linuxKeys}\nllvm_version = "15.asserts"`,
      file: 'LLD.v15.0.7.x86_64-linux-gnu-cxx11-llvm_version+15.asserts.tar.gz'
    })
    rejects(() => selectArtifact(onlyAsserts, linux, 15), /no build for linux x86_64 \(glibc\)/)
    const other = table({
      keys: `${linuxKeys}\nllvm_version = "16"`,
      file: 'LLD.v16.0.6.x86_64-linux-gnu-cxx11-llvm_version+16.tar.gz'
    })
    rejects(() => selectArtifact(other, linux, 15), /LLVM 15/)
  })

  it('reads the build number from the release tag for the cache folder', () => {
    const [artifact] = table({
      keys: `${linuxKeys}\nllvm_version = "15"`,
      file: 'LLD.v15.0.7.x86_64-linux-gnu-cxx11-llvm_version+15.tar.gz'
    })
    assert.equal(artifact.build, '15.0.7+1')
    assert.equal(artifact.triplet, 'x86_64-linux-gnu-cxx11-llvm_version+15')
    assert.equal(
      llvmToolCachePath('/cache', artifact),
      path.join(
        '/cache',
        'julia-sysimage-LLD',
        '15.0.7+1',
        'x86_64-linux-gnu-cxx11-llvm_version+15'
      )
    )
  })
})

describe('failures', () => {
  it('Windows aarch64: no build, naming the platform, the LLVM version and the ways out', () => {
    for (const pkg of ['LLD', 'LLVM_full'] as const) {
      rejects(
        () => shippedArtifact(pkg, '16.0.6', { os: 'windows', arch: 'aarch64', libc: 'glibc' }),
        new RegExp(`^julia: ${pkg}_jll has no build for windows aarch64 with LLVM 16`),
        /it has .*windows x86_64/,
        /julia-path/,
        /on PATH/
      )
    }
    rejects(
      () =>
        shippedArtifact('LLVM_full', '18.1.7', { os: 'windows', arch: 'aarch64', libc: 'glibc' }),
      /llvm-objcopy and llvm-ar on PATH/
    )
  })

  it('an LLVM major julia-sysimage ships no table for, listing the ones it has', () => {
    rejects(
      () => shippedArtifact('LLD', '17.0.6', linux),
      /LLVM 17\.0\.6 \(major 17\) has no LLD_jll table/,
      /ships them for LLVM 15, 16, 18, 20/
    )
    rejects(() => matchShippedLlvm('14.0.6', [], 'LLVM_full'), /LLVM none/)
  })

  it('a Julia that reports no usable LLVM version', () => {
    rejects(() => llvmMajor(''), /reports no LLVM version/)
    rejects(() => llvmMajor('unknown'), /"unknown" .* is not an LLVM version/)
    assert.equal(llvmMajor('20.1.8'), 20)
  })

  it('a malformed Artifacts.toml, naming the file', () => {
    rejects(
      () => parseArtifactsToml('[[LLD]\narch = "x86_64"\n', 'jll/LLD_jll-15.0.7.Artifacts.toml'),
      /^jll\/LLD_jll-15\.0\.7\.Artifacts\.toml: is not a usable JLL Artifacts\.toml: not valid TOML/
    )
    rejects(
      () => parseArtifactsToml('[[LLD]]\narch = "x86_64"\nos = "linux"\n', 'x.toml'),
      /LLD\[0\] \(x86_64 linux\) has no download url with a sha256/
    )
    rejects(
      () =>
        parseArtifactsToml(
          '[[LLD]]\narch = "x86_64"\nos = "linux"\n[[LLD.download]]\nsha256 = "abc"\nurl = "https://x/LLD.v1.0.0.x.tar.gz"\n',
          'x.toml'
        ),
      /has no download url with a sha256/
    )
    rejects(() => table({ keys: linuxKeys, file: 'lld.zip' }), /not a <Name>\.v<x\.y\.z>/)
  })
})

describe('tool locations', () => {
  const [artifact] = table({
    keys: `${linuxKeys}\nllvm_version = "15"`,
    file: 'LLD.v15.0.7.x86_64-linux-gnu-cxx11-llvm_version+15.tar.gz'
  })

  it('a mirror replaces everything before the file name', () => {
    assert.equal(llvmToolUrl(artifact), artifact.url)
    assert.equal(
      llvmToolUrl(artifact, 'https://mirror.test/jll'),
      'https://mirror.test/jll/LLD.v15.0.7.x86_64-linux-gnu-cxx11-llvm_version+15.tar.gz'
    )
    rejects(() => llvmToolUrl(artifact, 'ftp://mirror.test/', 'jll-url'), /^jll-url: ftp:/)
  })

  it('tools are under tools/, with .exe on Windows', () => {
    assert.equal(llvmToolPath('/r', 'ld.lld', 'linux'), path.join('/r', 'tools', 'ld.lld'))
    assert.equal(llvmToolPath('/r', 'ld64.lld', 'macos'), path.join('/r', 'tools', 'ld64.lld'))
    assert.equal(
      llvmToolPath('/r', 'lld-link', 'windows'),
      path.join('/r', 'tools', 'lld-link.exe')
    )
    assert.equal(
      llvmToolPath('/r', 'llvm-objcopy', 'windows'),
      path.join('/r', 'tools', 'llvm-objcopy.exe')
    )
  })
})
