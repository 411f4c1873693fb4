import assert from 'node:assert/strict'
import { execFileSync } from 'node:child_process'
import { createHash } from 'node:crypto'
import { existsSync, mkdtempSync, promises as fs, readdirSync, realpathSync, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import { hostLibc } from '../../src/install/platform.js'
import {
  parseArtifactsToml,
  selectArtifact,
  type JllArtifact,
  type ToolPlatform
} from '../../src/stages/chained/tools/artifacts.js'
import {
  findLlvmTool,
  installLlvmTool,
  llvmToolCachePath,
  type LlvmToolRequest
} from '../../src/stages/chained/tools/install-tools.js'
import { run } from '../../src/util/process.js'
import { recordingLogger } from '../helpers/recording-logger.js'
import { startTestServer, type TestServer } from '../helpers/http-server.js'

/** A real LLVM tool to pack, as a JLL build packs its tools. */
const systemObjcopy = '/usr/bin/llvm-objcopy'

function skipReason(): string | false {
  if (process.platform !== 'linux') return 'packs a Linux llvm-objcopy'
  if (!existsSync(systemObjcopy)) return `${systemObjcopy} is not installed`
  try {
    execFileSync('tar', ['--version'], { stdio: 'ignore' })
  } catch {
    return 'tar is not on PATH'
  }
  return false
}
const skip = skipReason()

const arch = process.arch === 'arm64' ? 'aarch64' : 'x86_64'
const libc = hostLibc()
const platform: ToolPlatform = { os: 'linux', arch, libc }
const gnu = libc === 'glibc' ? 'gnu' : 'musl'
const tag = 'LLVM_full-v15.0.7+14'
const fileFor = (cxx: string, c = gnu) => `LLVM_full.v15.0.7.${arch}-linux-${c}-${cxx}.tar.gz`
const goodFile = fileFor('cxx11')

describe('LLVM tools from a JLL table, against a loopback server', { skip }, () => {
  let work: string
  let server: TestServer
  let tarball: string
  let sha256: string
  let entries: JllArtifact[]
  let artifact: JllArtifact
  let caches = 0
  const temp = () => path.join(work, 'tmp')
  const freshCache = () => path.join(work, `tool-cache-${++caches}`)
  const request = (extra: Partial<LlvmToolRequest> = {}): LlvmToolRequest => ({
    artifact,
    toolCacheDir: path.join(work, 'tool-cache'),
    tempDir: temp(),
    ...extra
  })
  const tarballRequests = () => server.requests.filter((p) => p.endsWith('.tar.gz'))

  /** Nothing of `artifact` in `cache`: no folder, no marker, no staging left over. */
  function assertNothingCached(cache: string, what: JllArtifact) {
    const dest = llvmToolCachePath(cache, what)
    assert.equal(existsSync(dest), false, 'no folder')
    assert.equal(existsSync(`${dest}.complete`), false, 'no marker')
    const toolDir = path.join(cache, 'julia-sysimage-LLVM_full')
    const left = existsSync(toolDir) ? readdirSync(toolDir).filter((f) => f.startsWith('.')) : []
    assert.deepEqual(left, [], 'no staging folder')
    assertDownloadsDeleted()
  }

  function assertDownloadsDeleted() {
    assert.deepEqual(readdirSync(temp()), [], 'the download folder was deleted')
  }

  before(async () => {
    work = mkdtempSync(path.join(os.tmpdir(), 'jll-tools-'))
    await fs.mkdir(temp())
    // The tarball holds the install prefix itself, as BinaryBuilder packs it.
    const prefix = path.join(work, 'prefix')
    await fs.mkdir(path.join(prefix, 'tools'), { recursive: true })
    await fs.copyFile(realpathSync(systemObjcopy), path.join(prefix, 'tools', 'llvm-objcopy'))
    await fs.chmod(path.join(prefix, 'tools', 'llvm-objcopy'), 0o755)
    tarball = path.join(work, goodFile)
    execFileSync('tar', ['-czf', tarball, '-C', prefix, 'tools'])
    sha256 = createHash('sha256')
      .update(await fs.readFile(tarball))
      .digest('hex')

    server = await startTestServer()
    server.routes.set(`/${tag}/${goodFile}`, { file: tarball })
    server.routes.set(`/mirror/${goodFile}`, { file: tarball })
    const build = (cxx: string, sum: string, c = gnu, libcName = libc) => `[[LLVM_full]]
arch = "${arch}"
cxxstring_abi = "${cxx}"
git-tree-sha1 = "${'0'.repeat(40)}"
libc = "${libcName}"
os = "linux"

    [[LLVM_full.download]]
    sha256 = "${sum}"
    url = "${server.url}/${tag}/${fileFor(cxx, c)}"
`
    // Decoys first (other C++ ABI, other libc; neither is served): choice must go by platform.
    const otherLibc = libc === 'glibc' ? 'musl' : 'glibc'
    const text = [
      build('cxx03', 'a'.repeat(64)),
      build('cxx11', 'b'.repeat(64), gnu === 'gnu' ? 'musl' : 'gnu', otherLibc),
      build('cxx11', sha256)
    ].join('')
    entries = parseArtifactsToml(text, 'test Artifacts.toml')
    artifact = selectArtifact(entries, platform, 15)
  })

  after(async () => {
    await server?.close()
    if (work) rmSync(work, { recursive: true, force: true })
  })

  it('picks the served build from the table, downloads, verifies and installs a working tool', async () => {
    assert.equal(artifact.fileName, goodFile)
    assert.equal(artifact.sha256, sha256)
    const log = recordingLogger()
    const installed = await installLlvmTool(request(), log)
    assert.equal(installed.source, 'download')
    assert.equal(
      installed.root,
      path.join(work, 'tool-cache', 'julia-sysimage-LLVM_full', '15.0.7+14', artifact.triplet)
    )
    assert.ok(existsSync(`${installed.root}.complete`), 'marked complete')
    assert.deepEqual(tarballRequests(), [`/${tag}/${goodFile}`])
    assert.ok(log.lines.some((l) => l.includes(`sha256 ${sha256} verified`)))

    const objcopy = await findLlvmTool(installed, 'llvm-objcopy')
    assert.equal(objcopy, path.join(installed.root, 'tools', 'llvm-objcopy'))
    const result = await run(objcopy, ['--version'])
    assert.equal(result.code, 0, result.stderr)
    assert.match(result.stdout, /LLVM version \d+/)
    assertDownloadsDeleted()
  })

  it('a second install finds it in the tool cache without a request', async () => {
    const before = server.requests.length
    const again = await installLlvmTool(request(), recordingLogger())
    assert.equal(again.source, 'tool-cache')
    assert.equal(again.root, llvmToolCachePath(path.join(work, 'tool-cache'), artifact))
    assert.equal(server.requests.length, before)
  })

  it('a mirror serves the same file name; the sha256 still comes from the table', async () => {
    const cache = freshCache()
    const installed = await installLlvmTool(
      request({ toolCacheDir: cache, baseUrl: `${server.url}/mirror` }),
      recordingLogger()
    )
    assert.equal(installed.url, `${server.url}/mirror/${goodFile}`)
    assert.equal(tarballRequests().at(-1), `/mirror/${goodFile}`)
    const result = await run(await findLlvmTool(installed, 'llvm-objcopy'), ['--version'])
    assert.equal(result.code, 0)
  })

  it('a wrong sha256: an error, the download deleted, nothing cached', async () => {
    const cache = freshCache()
    const tampered = { ...artifact, sha256: 'f'.repeat(64) }
    await assert.rejects(
      installLlvmTool(request({ artifact: tampered, toolCacheDir: cache }), recordingLogger()),
      (error) => {
        assert.ok(error instanceof UserError)
        assert.match(
          error.message,
          new RegExp(
            `^download: the sha256 of \\S+${goodFile.replaceAll('.', '\\.').replace('+', '\\+')} is ${sha256}, the LLVM_full_jll table says f{64}; the file was deleted and nothing was installed`
          )
        )
        return true
      }
    )
    assertNothingCached(cache, tampered)
  })

  it('a mirror with the wrong file is caught by the sha256 too', async () => {
    const cache = freshCache()
    server.routes.set(`/bad-mirror/${goodFile}`, { text: 'not the tarball' })
    await assert.rejects(
      installLlvmTool(
        request({
          toolCacheDir: cache,
          baseUrl: `${server.url}/bad-mirror/`,
          baseUrlInput: 'jll-url'
        }),
        recordingLogger()
      ),
      /the sha256 of .*bad-mirror.* the LLVM_full_jll table says/
    )
    assertNothingCached(cache, artifact)
  })

  it('404: a clear error naming the URL, nothing cached', async () => {
    const cache = freshCache()
    const missing = { ...artifact, url: `${server.url}/gone/${goodFile}` }
    await assert.rejects(
      installLlvmTool(request({ artifact: missing, toolCacheDir: cache }), recordingLogger()),
      (error) => {
        assert.ok(error instanceof UserError)
        assert.match(
          error.message,
          new RegExp(
            `^download: ${server.url}/gone/\\S+ answered 404 Not Found \\(LLVM_full_jll 15\\.0\\.7\\+14 for `
          )
        )
        assert.match(error.message, /Put llvm-objcopy and llvm-ar on PATH/)
        return true
      }
    )
    await assert.rejects(
      installLlvmTool(
        request({
          toolCacheDir: cache,
          baseUrl: `${server.url}/empty-mirror/`,
          baseUrlInput: 'jll-url'
        }),
        recordingLogger()
      ),
      /UserError: jll-url: .* answered 404 Not Found .*Check that the mirror serves LLVM_full\.v15\.0\.7/
    )
    assertNothingCached(cache, artifact)
  })

  it('two installs at once into one cache both end with the same working tool', async () => {
    const cache = freshCache()
    const [a, b] = await Promise.all([
      installLlvmTool(request({ toolCacheDir: cache }), recordingLogger()),
      installLlvmTool(request({ toolCacheDir: cache }), recordingLogger())
    ])
    assert.equal(a.root, b.root)
    assert.ok(existsSync(`${a.root}.complete`))
    const result = await run(await findLlvmTool(a, 'llvm-objcopy'), ['--version'])
    assert.equal(result.code, 0)
    assertDownloadsDeleted()
    const left = readdirSync(path.join(cache, 'julia-sysimage-LLVM_full'))
    assert.deepEqual(left, ['15.0.7+14'], 'no staging folder left')
  })

  it('a tool the build lacks: a clear error', async () => {
    const installed = await installLlvmTool(request(), recordingLogger())
    await assert.rejects(
      findLlvmTool(installed, 'ld.lld'),
      /has no tools\/ld\.lld .*Put ld\.lld on PATH/
    )
  })
})
