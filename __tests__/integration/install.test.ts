import assert from 'node:assert/strict'
import { existsSync, mkdtempSync, promises as fs, readdirSync, rmSync, statSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import { installJulia, type InstallRequest } from '../../src/install/install.js'
import { selectJulia } from '../../src/install/select.js'
import { run } from '../../src/util/process.js'
import { startTestServer, type TestServer } from '../helpers/http-server.js'
import {
  juliaTarball,
  juliaTarballUnavailable,
  type JuliaTarball
} from '../helpers/julia-tarball.js'
import { repoRoot } from '../helpers/test-julia.js'
import { recordingLogger } from '../helpers/recording-logger.js'

const skip = await juliaTarballUnavailable()

/** The paths the index lists, as on the official server; a mirror serves them under its base. */
const gnuPath = 'linux/x64/1.5/julia-1.5.3-linux-x86_64.tar.gz'
const muslPath = 'musl/x64/1.5/julia-1.5.3-musl-x86_64.tar.gz'
const nightlyPath = 'linux/x64/julia-latest-linux64.tar.gz'
const official = 'https://julialang-s3.julialang.org/bin/'

function releaseIndex(tarball: JuliaTarball, sha256 = tarball.sha256): unknown {
  const entry = (relative: string, triplet: string, sum: string) => ({
    url: official + relative,
    triplet,
    kind: 'archive',
    arch: 'x86_64',
    sha256: sum,
    size: tarball.size,
    version: tarball.version,
    os: 'linux',
    extension: 'tar.gz'
  })
  // The musl build comes first: file choice must go by triplet, not by order.
  return {
    [tarball.version]: {
      stable: true,
      files: [
        entry(muslPath, 'x86_64-linux-musl', 'b'.repeat(64)),
        entry(gnuPath, 'x86_64-linux-gnu', sha256)
      ]
    }
  }
}

/** An environment without LD_LIBRARY_PATH: the installed Julia must run on its own. */
function cleanEnv(depot: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, JULIA_DEPOT_PATH: depot }
  delete env.LD_LIBRARY_PATH
  return env
}

/** Throws inside compiled code: Julia 1.5.3 survives that only with its own libunwind 1.3.2. */
const throwingProgram =
  'f(x) = x > 0 ? error("boom") : 1; g() = try f(1) catch e; e.msg end; println("caught ", g())'

describe('Julia installer against a loopback mirror', { skip }, () => {
  let tarball: JuliaTarball
  let server: TestServer
  let work: string
  let toolCache: string
  let temp: string
  let depot: string
  const base = (name: string) => `${server.url}/${name}/`
  const request = (name: string, extra: Partial<InstallRequest> = {}): InstallRequest => ({
    spec: tarball.version,
    downloadUrl: base(name),
    toolCacheDir: toolCache,
    tempDir: temp,
    ...extra
  })
  const tarballRequests = () => server.requests.filter((p) => p.endsWith('.tar.gz')).length

  before(async () => {
    tarball = await juliaTarball()
    server = await startTestServer()
    const index = releaseIndex(tarball)
    server.routes.set('/good/versions.json', { json: index })
    server.routes.set(`/good/${gnuPath}`, { file: tarball.file })
    server.routes.set(`/good/${nightlyPath}`, { file: tarball.file })
    server.routes.set('/badsum/versions.json', {
      json: releaseIndex(
        tarball,
        tarball.sha256.replace(/^./, (c) => (c === '0' ? '1' : '0'))
      )
    })
    server.routes.set(`/badsum/${gnuPath}`, { file: tarball.file })
    server.routes.set('/drop/versions.json', { json: index })
    server.routes.set(`/drop/${gnuPath}`, { file: tarball.file, dropAfterBytes: 1 << 20 })
    server.routes.set('/missing/versions.json', { json: index })
    server.routes.set('/html/versions.json', { text: '<html><body>Please log in</body></html>' })
    work = mkdtempSync(path.join(os.tmpdir(), 'jsi-install-'))
    toolCache = path.join(work, 'tool-cache')
    temp = path.join(work, 'temp')
    depot = path.join(work, 'depot')
    // tool-cache pauses 10-20 s between attempts; these knobs of its own make retries immediate.
    Object.assign(globalThis, {
      TEST_DOWNLOAD_TOOL_RETRY_MIN_SECONDS: 0,
      TEST_DOWNLOAD_TOOL_RETRY_MAX_SECONDS: 0
    })
    console.log(
      `test tarball ${tarball.file}: ${(tarball.size / 1e6).toFixed(1)} MB, packed in ${tarball.packSeconds.toFixed(1)} s`
    )
  })

  after(async () => {
    await server?.close()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  /** Nothing half-written: no download left in the temp folder, no staging folder, nothing marked. */
  function assertNothingLeftBehind() {
    assert.deepEqual(existsSync(temp) ? readdirSync(temp) : [], [])
    const juliaDir = path.join(toolCache, 'julia')
    const leftovers = existsSync(juliaDir)
      ? readdirSync(juliaDir).filter((name) => name.startsWith('.staging-'))
      : []
    assert.deepEqual(leftovers, [])
  }

  it('refuses a wrong sha256: the file is deleted, nothing is unpacked or cached', async () => {
    const before = tarballRequests()
    await assert.rejects(installJulia(request('badsum'), recordingLogger()), (error) => {
      assert.ok(error instanceof UserError)
      assert.match(
        error.message,
        /the sha256 of http:\/\/127\.0\.0\.1:\d+\/badsum\/linux\/x64\/1\.5\/julia-1\.5\.3-linux-x86_64\.tar\.gz is [0-9a-f]{64}, the release index says [0-9a-f]{64}/
      )
      assert.match(error.message, /deleted and nothing was installed/)
      return true
    })
    assert.equal(tarballRequests(), before + 1, 'the whole tarball was downloaded once')
    assert.equal(existsSync(path.join(toolCache, 'julia', tarball.version)), false)
    assertNothingLeftBehind()
  })

  it('retries a connection dropped mid-download, then fails clearly with nothing cached', async () => {
    const before = tarballRequests()
    await assert.rejects(installJulia(request('drop'), recordingLogger()), (error) => {
      assert.ok(error instanceof UserError)
      assert.equal(error.input, 'download-url')
      assert.match(
        error.message,
        /downloading http:\/\/127\.0\.0\.1:\d+\/drop\/linux\/x64\/1\.5\/julia-1\.5\.3-linux-x86_64\.tar\.gz failed after 3 attempts \(Julia 1\.5\.3 for linux x86_64 \(glibc\)\)/
      )
      return true
    })
    assert.equal(tarballRequests(), before + 3, 'three attempts')
    assert.equal(existsSync(path.join(toolCache, 'julia', tarball.version)), false)
    assertNothingLeftBehind()
  })

  it('reports a 404 with the URL and the version, without retrying', async () => {
    const before = tarballRequests()
    await assert.rejects(installJulia(request('missing'), recordingLogger()), (error) => {
      assert.ok(error instanceof UserError)
      assert.match(
        error.message,
        /^download-url: http:\/\/127\.0\.0\.1:\d+\/missing\/linux\/x64\/1\.5\/julia-1\.5\.3-linux-x86_64\.tar\.gz answered 404 Not Found \(Julia 1\.5\.3 for linux x86_64 \(glibc\)\)/
      )
      return true
    })
    assert.equal(tarballRequests(), before + 1)
    assertNothingLeftBehind()
  })

  it('reports a mirror without versions.json, and one serving something else', async () => {
    await assert.rejects(
      installJulia(request('nothing'), recordingLogger()),
      /\/nothing\/versions\.json answered 404 Not Found \(the release index\)/
    )
    await assert.rejects(
      installJulia(request('html'), recordingLogger()),
      /\/html\/versions\.json is not a Julia release index: not JSON/
    )
    assertNothingLeftBehind()
  })

  it('downloads, verifies and installs the glibc build into the tool cache, keeping mtimes', async (t) => {
    const log = recordingLogger()
    const started = performance.now()
    const installed = await installJulia(request('good'), log)
    const seconds = (performance.now() - started) / 1000
    t.diagnostic(
      `download + verify + unpack of ${(tarball.size / 1e6).toFixed(1)} MB: ${seconds.toFixed(1)} s`
    )
    assert.equal(installed.source, 'download')
    assert.equal(installed.version, tarball.version)
    assert.equal(installed.root, path.join(toolCache, 'julia', tarball.version, 'x64'))
    assert.equal(installed.bindir, path.join(installed.root, 'bin'))
    assert.ok(existsSync(`${installed.root}.complete`), 'marked complete for tool-cache')
    assert.ok(
      log.lines.some((line) => line.includes(`sha256 ${tarball.sha256} verified`)),
      log.lines.join('\n')
    )
    assert.ok(
      log.lines.some(
        (line) => line.startsWith('warning: download-url') && line.includes('plain http')
      )
    )
    // The index was fetched from the mirror, the glibc tarball too; the musl decoy never.
    assert.ok(server.requests.includes('/good/versions.json'))
    assert.ok(server.requests.includes(`/good/${gnuPath}`))
    assert.ok(!server.requests.some((p) => p.includes('musl')))
    assertNothingLeftBehind()

    // It runs from the tool cache, on its own (no LD_LIBRARY_PATH), exceptions included.
    const version = await run(installed.juliaPath, ['--version'], { env: cleanEnv(depot) })
    assert.equal(version.stdout.trim(), `julia version ${tarball.version}`)
    const program = await run(
      installed.juliaPath,
      ['--startup-file=no', '-e', `${throwingProgram}; println(Sys.BINDIR)`],
      { env: cleanEnv(depot) }
    )
    assert.equal(program.code, 0, program.stderr)
    assert.equal(program.stdout, `caught boom\n${installed.bindir}\n`)

    // Its libunwind is the one inside the install, found through libjulia's RUNPATH ($ORIGIN).
    const ldd = await run('ldd', [path.join(installed.root, tarball.libDir, 'libjulia.so.1')])
    assert.match(
      ldd.stdout,
      new RegExp(`libunwind\\.so\\.8 => ${installed.root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/`)
    )

    // tar kept the mtimes of the packed files (Julia validates precompile caches against them).
    const relative = path.join('share', 'julia', 'base', 'boot.jl')
    const source = statSync(path.join(tarball.sourcePrefix, relative)).mtimeMs
    assert.equal(
      Math.floor(statSync(path.join(installed.root, relative)).mtimeMs / 1000),
      Math.floor(source / 1000)
    )
  })

  it('reuses the tool cache: an exact version needs no request at all, a range only the index', async () => {
    const requests = server.requests.length
    const again = await installJulia(request('good'), recordingLogger())
    assert.equal(again.source, 'tool-cache')
    assert.equal(again.root, path.join(toolCache, 'julia', tarball.version, 'x64'))
    assert.equal(server.requests.length, requests, 'nothing downloaded')

    const log = recordingLogger()
    const byRange = await installJulia(request('good', { spec: '1.5' }), log)
    assert.equal(byRange.source, 'tool-cache')
    assert.deepEqual(server.requests.slice(requests), ['/good/versions.json'])
    assert.ok(
      log.lines.includes(`info: version 1.5 resolves to Julia ${tarball.version}`),
      log.lines.join('\n')
    )
  })

  it('installs a nightly without a checksum, with a warning, outside the versioned cache', async () => {
    const log = recordingLogger()
    const selected = await selectJulia(
      {
        spec: 'nightly',
        downloadUrl: base('good'),
        toolCacheDir: toolCache,
        tempDir: temp,
        env: { ...cleanEnv(depot), PATH: work }
      },
      log
    )
    assert.equal(selected.source, 'download')
    assert.equal(selected.bindir, path.join(toolCache, 'julia-nightly', 'nightly', 'x64', 'bin'))
    assert.equal(selected.version, tarball.version, 'the version the binary reports')
    assert.ok(server.requests.includes(`/good/${nightlyPath}`))
    assert.ok(
      log.lines.some((line) => line.startsWith('warning:') && line.includes('no checksum')),
      log.lines.join('\n')
    )
    assertNothingLeftBehind()
  })

  describe('selectJulia', () => {
    it('uses an explicit path first, and says why', async () => {
      const explicit = path.join(toolCache, 'julia', tarball.version, 'x64', 'bin', 'julia')
      const log = recordingLogger()
      const selected = await selectJulia(
        { juliaPath: explicit, spec: '1.10', env: cleanEnv(depot) },
        log
      )
      assert.deepEqual(selected, {
        juliaPath: explicit,
        bindir: path.dirname(explicit),
        version: tarball.version,
        source: 'explicit'
      })
      assert.ok(
        log.lines.some(
          (line) => line.startsWith('warning:') && line.includes('does not match version 1.10')
        )
      )
      assert.ok(log.lines.some((line) => line.includes('julia-path was given')))
    })

    it('uses the julia on PATH when it satisfies the spec, downloading nothing', async () => {
      const requests = server.requests.length
      const bindir = path.join(toolCache, 'julia', tarball.version, 'x64', 'bin')
      const log = recordingLogger()
      const selected = await selectJulia(
        {
          spec: '1.5',
          downloadUrl: base('missing'),
          toolCacheDir: toolCache,
          env: { ...cleanEnv(depot), PATH: bindir }
        },
        log
      )
      assert.equal(selected.source, 'path')
      assert.equal(selected.bindir, bindir)
      assert.equal(server.requests.length, requests)
      assert.ok(log.lines.some((line) => line.includes('the julia on PATH satisfies version 1.5')))
    })

    it('installs when the julia on PATH does not satisfy the spec', async () => {
      const bindir = path.join(toolCache, 'julia', tarball.version, 'x64', 'bin')
      const log = recordingLogger()
      const env = { ...cleanEnv(depot), PATH: bindir }
      await assert.rejects(
        selectJulia(
          { spec: '1.6', downloadUrl: base('good'), toolCacheDir: toolCache, tempDir: temp, env },
          log
        ),
        /no Julia release matches 1\.6/
      )
      assert.ok(
        log.lines.some((line) =>
          line.includes(`is ${tarball.version}, which does not satisfy version 1.6: installing`)
        )
      )
    })

    it('finds the exact version in the tool cache when PATH has no julia', async () => {
      const requests = server.requests.length
      const selected = await selectJulia(
        { spec: tarball.version, toolCacheDir: toolCache, env: { ...cleanEnv(depot), PATH: work } },
        recordingLogger()
      )
      assert.equal(selected.source, 'tool-cache')
      assert.equal(server.requests.length, requests)
    })

    it('asks for --julia or --version when there is neither nor a julia on PATH', async () => {
      await assert.rejects(selectJulia({ env: { PATH: work } }, recordingLogger()), (error) => {
        assert.ok(error instanceof UserError)
        assert.match(error.message, /no Julia found/)
        assert.match(error.message, /--julia PATH or --version SPEC/)
        return true
      })
    })
  })

  it('julia-sysimage install prints only the bindir on stdout', async () => {
    const cliCache = path.join(work, 'cli-tool-cache')
    const result = await run(
      process.execPath,
      [
        path.join(repoRoot, 'dist', 'cli', 'index.js'),
        'install',
        '--version',
        tarball.version,
        '--download-url',
        `${server.url}/good`,
        '--tool-cache',
        cliCache
      ],
      { cwd: repoRoot, env: { ...process.env, RUNNER_TEMP: temp }, timeoutMs: 300_000 }
    )
    assert.equal(result.code, 0, result.stderr)
    const bindir = path.join(cliCache, 'julia', tarball.version, 'x64', 'bin')
    assert.equal(result.stdout, `${bindir}\n`)
    assert.match(result.stderr, /verified/)
    const version = await run(path.join(result.stdout.trim(), 'julia'), ['--version'], {
      env: cleanEnv(depot)
    })
    assert.equal(version.stdout.trim(), `julia version ${tarball.version}`)
    await fs.rm(cliCache, { recursive: true, force: true })
  })

  it('julia-sysimage install fails with one clear line and exit code 1', async () => {
    const result = await run(
      process.execPath,
      [
        path.join(repoRoot, 'dist', 'cli', 'index.js'),
        'install',
        '--version',
        '1.99',
        '--download-url',
        `${server.url}/good`,
        '--tool-cache',
        path.join(work, 'unused')
      ],
      { cwd: repoRoot, timeoutMs: 120_000 }
    )
    assert.equal(result.code, 1)
    assert.equal(result.stdout, '')
    assert.match(result.stderr, /^error: version: no Julia release matches 1\.99/m)
  })
})
