import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, promises as fs, rmSync } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, afterEach, before, beforeEach, describe, it } from 'node:test'
import { UserError } from '../../src/errors.js'
import { GitHubArtifactStore, sha256sumsText } from '../../src/store/github-artifact.js'
import { cacheServiceProtocol, GitHubImageCache } from '../../src/store/github-cache.js'
import { startArtifactServer, type ArtifactServer } from '../helpers/artifact-server.js'
import { startCacheServer, type CacheProtocol, type CacheServer } from '../helpers/cache-server.js'
import { readZip } from '../helpers/zip-listing.js'
import { recordingLogger, type RecordingLogger } from '../helpers/recording-logger.js'

/**
 * The GitHub adapters against the real @actions/cache and @actions/artifact, which talk to
 * loopback emulators of the runner's services (the only fakes here).
 */

/** Sets (or, for undefined, removes) environment variables; returns the undo. */
function setEnv(vars: Record<string, string | undefined>): () => void {
  const saved = Object.entries(vars).map(([name]) => [name, process.env[name]] as const)
  for (const [name, value] of Object.entries(vars)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  return () => {
    for (const [name, value] of saved) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  }
}

/** Whatever the machine running the tests has (a real runner, a proxy) must not leak in. */
const isolation = {
  RUNNER_DEBUG: undefined,
  ACTIONS_CACHE_MODE: undefined,
  HTTP_PROXY: undefined,
  HTTPS_PROXY: undefined,
  http_proxy: undefined,
  https_proxy: undefined
}

// The libraries print workflow commands (`::warning::`, `::add-mask::`) on stdout, and some
// reporters pass that through verbatim. When the tests run on Actions, the expected failures
// below must not turn into annotations of the test job: stop command processing meanwhile.
const resumeToken = `github-services-${randomBytes(8).toString('hex')}`

let temp: string
before(() => {
  process.stdout.write(`::stop-commands::${resumeToken}\n`)
  temp = mkdtempSync(path.join(os.tmpdir(), 'github-services-'))
})
after(() => {
  rmSync(temp, { recursive: true, force: true })
  process.stdout.write(`::${resumeToken}::\n`)
})

/** A cache entry folder like the pipeline's: an image and its metadata. */
async function entryFolder(name: string) {
  const dir = path.join(temp, name)
  await fs.mkdir(dir, { recursive: true })
  const files = { 'sysimage.so': randomBytes(300_000), 'sysimage.so.json': Buffer.from('{"a":1}') }
  for (const [file, data] of Object.entries(files)) await fs.writeFile(path.join(dir, file), data)
  return { dir, files }
}

for (const protocol of ['v2', 'v1'] as CacheProtocol[]) {
  describe(`GitHubImageCache, cache service ${protocol}`, () => {
    let server: CacheServer
    let undoEnv: () => void
    let log: RecordingLogger
    let cache: GitHubImageCache
    let n = 0
    // Each test gets its own keys and folders; entries are immutable, like the real service's.
    let key: string
    let dir: string

    before(async () => {
      server = await startCacheServer()
      const runnerTemp = path.join(temp, `runner-${protocol}`)
      await fs.mkdir(runnerTemp)
      undoEnv = setEnv({ ...isolation, ...server.env(protocol), RUNNER_TEMP: runnerTemp })
      assert.equal(cacheServiceProtocol(), protocol)
    })
    after(async () => {
      undoEnv()
      await server.close()
    })
    beforeEach(() => {
      n++
      key = `julia-sysimage-${protocol}-${n}-${'0'.repeat(40)}`
      dir = path.join(temp, `entry-${protocol}-${n}`)
      log = recordingLogger()
      cache = new GitHubImageCache(log)
      server.requests.length = 0
    })
    afterEach(() => setEnv({ ACTIONS_CACHE_MODE: undefined }))

    const count = (route: string | RegExp) =>
      server.requests.filter((r) => (typeof route === 'string' ? r.includes(route) : route.test(r)))
        .length
    const reservations = () =>
      count(protocol === 'v2' ? 'CreateCacheEntry' : /^POST \/_apis\/artifactcache\/caches$/)
    const downloads = () => count(protocol === 'v2' ? 'GET /blob/' : 'GET /archive/')

    it('saves a folder and restores it byte for byte', async () => {
      const { files } = await entryFolder(path.basename(dir))
      assert.equal(await cache.save(key, dir), 'saved')
      assert.equal(server.entries.filter((e) => e.key === key && e.committed).length, 1)
      await fs.rm(dir, { recursive: true })

      assert.equal(await cache.restore(key, dir), true)
      assert.deepEqual((await fs.readdir(dir)).sort(), Object.keys(files).sort())
      for (const [file, data] of Object.entries(files)) {
        assert.ok(data.equals(await fs.readFile(path.join(dir, file))), `${file} differs`)
      }
    })

    it('misses an unknown key without downloading anything', async () => {
      assert.equal(await cache.restore(key, dir), false)
      assert.equal(existsSync(dir), false)
      assert.equal(downloads(), 0)
    })

    it('does not restore an entry whose key only starts with the key asked for', async () => {
      await entryFolder(path.basename(dir))
      assert.equal(await cache.save(`${key}-other`, dir), 'saved')
      await fs.rm(dir, { recursive: true })

      assert.equal(await cache.restore(key, dir), false)
      assert.equal(existsSync(dir), false, 'the other entry was unpacked')
      assert.equal(downloads(), 0)
    })

    it('saving a key that exists is "already existed", uploads nothing and is no error', async () => {
      await entryFolder(path.basename(dir))
      assert.equal(await cache.save(key, dir), 'saved')
      assert.equal(await cache.save(key, dir), 'already-existed')
      await cache.save(key, dir)
      assert.equal(reservations(), 1)
      assert.match(log.lines.join('\n'), /info: Cache entry .* already exists/)
    })

    it('a job that loses the race to save reports "already existed"', async () => {
      await entryFolder(path.basename(dir))
      assert.equal(await cache.save(key, dir), 'saved')
      // This job looked before the other one finished, then found the key taken.
      server.missNext()
      assert.equal(await cache.save(key, dir), 'already-existed')
      assert.equal(reservations(), 2)
      assert.match(log.lines.join('\n'), /another job saved it first/)
    })

    it('rejects a save whose upload the service refuses, and nothing is stored', async () => {
      await entryFolder(path.basename(dir))
      server.failNext('upload', 403)
      await assert.rejects(cache.save(key, dir), (error: Error) => {
        assert.match(error.message, new RegExp(`^saving cache entry ${key} failed: .*403`))
        return true
      })
      assert.equal(server.entries.filter((e) => e.key === key && e.committed).length, 0)
      assert.equal(await cache.restore(key, dir), false)
    })

    it('rejects a save that was never committed, and later saves of that key', async () => {
      await entryFolder(path.basename(dir))
      server.failNext('commit', 400)
      await assert.rejects(cache.save(key, dir), /^Error: saving cache entry .* failed: .*400/)
      // The half-finished entry holds the key, as on the real service, until it expires.
      await assert.rejects(
        cache.save(key, dir),
        /^Error: saving cache entry .* failed: .*Unable to reserve cache with key .*another job may be creating this cache/
      )
    })

    it('rejects a save whose reservation fails, with the service answer', async () => {
      await entryFolder(path.basename(dir))
      server.failNext('reserve', 403)
      await assert.rejects(cache.save(key, dir), (error: Error) => {
        assert.match(error.message, /^saving cache entry .* failed: /)
        assert.match(error.message, /Unable to reserve cache/)
        assert.match(error.message, /403/)
        return true
      })
    })

    it('rejects a restore when the lookup fails', async () => {
      // A server error the library does not retry for minutes: v1 retries only 502-504, the v2
      // client retries any 5xx with back-off but gives up at once on a broken connection.
      server.failNext('lookup', protocol === 'v1' ? 500 : 'drop')
      await assert.rejects(
        cache.restore(key, dir),
        new RegExp(`^Error: looking up cache entry ${key} failed: .*(500|ECONNRESET)`)
      )
    })

    it('rejects a restore when the service refuses the lookup', async () => {
      server.failNext('lookup', 403)
      await assert.rejects(
        cache.restore(key, dir),
        /^Error: looking up cache entry .* failed: .*403/
      )
    })

    it('rejects a restore when the entry exists but its download fails', async () => {
      await entryFolder(path.basename(dir))
      assert.equal(await cache.save(key, dir), 'saved')
      await fs.rm(dir, { recursive: true })
      server.failNext('download', 500)
      await assert.rejects(cache.restore(key, dir), /^Error: restoring cache entry .* failed: /)
    })

    it('when the runner forbids cache writes, skips saving without asking the service', async () => {
      await entryFolder(path.basename(dir))
      setEnv({ ACTIONS_CACHE_MODE: 'read' })
      assert.equal(await cache.save(key, dir), 'skipped')
      assert.deepEqual(server.requests, [])
      assert.match(log.lines.join('\n'), /cache mode 'read' forbids writes/)
    })

    it('when the runner forbids cache reads, misses without asking the service', async () => {
      setEnv({ ACTIONS_CACHE_MODE: 'none' })
      assert.equal(await cache.restore(key, dir), false)
      assert.deepEqual(server.requests, [])
    })

    it('cannot discard an entry (entries are immutable)', async () => {
      assert.equal(await cache.discard(key), false)
    })
  })
}

describe('GitHubArtifactStore', () => {
  let server: ArtifactServer
  let undoEnv: () => void
  let root: string
  let files: Record<string, Buffer>
  const store = new GitHubArtifactStore()

  before(async () => {
    server = await startArtifactServer()
    undoEnv = setEnv({ ...isolation, ...server.env() })
    root = path.join(temp, 'artifact')
    await fs.mkdir(root)
    const image = randomBytes(200_000)
    const metadata = Buffer.from('{"image":{"file":"sysimage.so"}}\n')
    const sha = (data: Buffer) => createHash('sha256').update(data).digest('hex')
    files = {
      'sysimage.so': image,
      'sysimage.so.json': metadata,
      SHA256SUMS: Buffer.from(
        sha256sumsText([
          { file: 'sysimage.so', sha256: sha(image) },
          { file: 'sysimage.so.json', sha256: sha(metadata) }
        ])
      )
    }
    for (const [file, data] of Object.entries(files))
      await fs.writeFile(path.join(root, file), data)
  })
  after(async () => {
    undoEnv()
    await server.close()
  })
  beforeEach(() => {
    server.requests.length = 0
  })

  const paths = () => Object.keys(files).map((file) => path.join(root, file))

  it('uploads the files as one zip and returns the id and size the service reports', async () => {
    const before = Date.now()
    const upload = await store.upload('sysimage-linux-x64', paths(), root, { retentionDays: 5 })
    const artifact = server.artifacts.find((a) => a.name === 'sysimage-linux-x64')
    assert.ok(artifact?.content, 'nothing was finalized')
    assert.equal(upload.id, artifact.id)
    assert.equal(upload.size, artifact.content.length)
    assert.equal(artifact.size, artifact.content.length)
    assert.equal(artifact.mimeType, 'application/zip')
    const digest = createHash('sha256').update(artifact.content).digest('hex')
    assert.equal(artifact.hash, `sha256:${digest}`)

    const entries = readZip(artifact.content)
    assert.deepEqual(entries.map((e) => e.name).sort(), Object.keys(files).sort())
    for (const entry of entries) assert.ok(entry.data.equals(files[entry.name]), entry.name)

    // The retention reaches the service as an expiry date that many days ahead.
    assert.ok(artifact.expiresAt)
    const days = (Date.parse(artifact.expiresAt) - before) / 86_400_000
    assert.ok(Math.abs(days - 5) < 0.1, `expires in ${days} days`)
  })

  it('leaves the expiry to the repository when no retention is given', async () => {
    await store.upload('no-retention', paths(), root, {})
    const artifact = server.artifacts.find((a) => a.name === 'no-retention')
    assert.ok(artifact?.id !== undefined)
    assert.equal(artifact.expiresAt, undefined)
  })

  it('refuses a name the service refuses before sending anything', async () => {
    await assert.rejects(
      store.upload('linux/x64', paths(), root, {}),
      (error: unknown) => error instanceof UserError && error.input === 'artifact-name'
    )
    assert.deepEqual(server.requests, [])
  })

  it('rejects with the service answer when the name is taken in this run', async () => {
    await store.upload('taken', paths(), root, {})
    await assert.rejects(
      store.upload('taken', paths(), root, {}),
      /^Error: uploading artifact taken failed: .*409.*already exists/
    )
  })

  it('rejects when the blob upload fails, and nothing is finalized', async () => {
    server.failNext('upload', 403)
    await assert.rejects(
      store.upload('blob-fails', paths(), root, {}),
      /uploading artifact blob-fails failed: /
    )
    const artifact = server.artifacts.find((a) => a.name === 'blob-fails')
    assert.equal(artifact?.id, undefined)
    assert.equal(server.requests.filter((r) => r.includes('FinalizeArtifact')).length, 0)
  })
})
