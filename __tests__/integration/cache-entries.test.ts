import assert from 'node:assert/strict'
import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { after, before, describe, it } from 'node:test'
import {
  generationKey,
  restoreEntry,
  saveEntry,
  type EntryStore
} from '../../src/store/cache-entries.js'
import { acquireLock } from '../../src/util/lock-file.js'
import { GitHubImageCache } from '../../src/store/github-cache.js'
import { LocalImageCache } from '../../src/store/local-cache.js'
import type { ImageCache } from '../../src/store/types.js'
import { startCacheServer, type CacheServer } from '../helpers/cache-server.js'
import { recordingLogger, type RecordingLogger } from '../helpers/recording-logger.js'

/**
 * The one restore/save routine of images and base archives, against the real @actions/cache
 * talking to the loopback cache emulator (entries immutable, like GitHub's) and the local cache.
 */

let temp: string
before(async () => {
  temp = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-entries-'))
})
after(() => fs.rm(temp, { recursive: true, force: true }))

/** A "build": a folder with one file of `content`. */
async function built(name: string, content: string) {
  const dir = path.join(temp, 'built', name)
  await fs.mkdir(dir, { recursive: true })
  await fs.writeFile(path.join(dir, 'image'), content)
  return [{ source: path.join(dir, 'image'), name: 'image' }]
}

/** The load check stand-in: an entry is good when its image says "good". */
function checker(seen: string[]) {
  return async (dir: string) => {
    const content = await fs.readFile(path.join(dir, 'image'), 'utf8')
    seen.push(content)
    return content.startsWith('good') ? { value: content } : { rejection: `it holds ${content}` }
  }
}

function storeOf(cache: ImageCache, log: RecordingLogger): EntryStore {
  return { cache, entriesDir: path.join(temp, 'user-cache', 'entries'), what: 'image', log }
}

async function leftovers(dir: string): Promise<string[]> {
  return (await fs.readdir(dir).catch(() => [])).filter((name) => !name.startsWith('..'))
}

describe('a rejected entry in a cache that cannot replace it (GitHub)', () => {
  let server: CacheServer
  const saved: Record<string, string | undefined> = {}
  before(async () => {
    server = await startCacheServer()
    const runnerTemp = path.join(temp, 'runner')
    await fs.mkdir(runnerTemp, { recursive: true })
    const env = { ...server.env('v2'), RUNNER_TEMP: runnerTemp, ACTIONS_CACHE_MODE: undefined }
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name]
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
  })
  after(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name]
      else process.env[name] = value
    }
    await server.close()
  })

  it('costs one rebuild: the next run restores the newer generation and keeps it', async () => {
    const key = `julia-sysimage-linux-x86_64-julia-1.5.3-${randomBytes(20).toString('hex')}`
    const log = recordingLogger()
    const store = storeOf(new GitHubImageCache(log), log)
    // an earlier run saved an image that does not load here
    await saveEntry(store, key, await built('bad', 'bad image'))

    const seen: string[] = []
    const first = await restoreEntry(store, key, path.join(temp, 'run1'), checker(seen))
    assert.equal(first.value, undefined)
    assert.equal(first.saveKey, generationKey(key, 2))
    assert.ok(
      log.lines.some((l) => l.includes(`saved as ${key}-2, which later runs restore instead`)),
      log.lines.join('\n')
    )
    await saveEntry(store, first.saveKey, await built('good', 'good image'))

    for (const run of ['run2', 'run3']) {
      const again = await restoreEntry(store, key, path.join(temp, run), checker(seen))
      assert.equal(again.value, 'good image', `${run} restores the rebuilt image`)
    }
    // the bad entry was downloaded and checked once, never again
    assert.deepEqual(seen, ['bad image', 'good image', 'good image'])
    assert.deepEqual(server.entries.map((e) => e.key).sort(), [key, `${key}-2`])
    assert.deepEqual(await leftovers(store.entriesDir), [], 'no entry folders or locks left')
  })

  it('a second rejection moves on to the third generation', async () => {
    const key = `julia-sysimage-linux-x86_64-julia-1.5.3-${randomBytes(20).toString('hex')}`
    const log = recordingLogger()
    const store = storeOf(new GitHubImageCache(log), log)
    await saveEntry(store, key, await built('bad1', 'bad one'))
    await saveEntry(store, `${key}-2`, await built('bad2', 'bad two'))
    const seen: string[] = []
    const outcome = await restoreEntry(store, key, path.join(temp, 'run4'), checker(seen))
    assert.equal(outcome.saveKey, `${key}-3`)
    assert.deepEqual(seen, ['bad two'], 'only the newest generation is downloaded')
  })
})

describe('a rejected entry in the local cache', () => {
  it('is replaced under the same key', async () => {
    const log = recordingLogger()
    const root = path.join(temp, 'local')
    const store = storeOf(new LocalImageCache(root), log)
    const key = 'julia-sysimage-local-1'
    await saveEntry(store, key, await built('lbad', 'bad image'))
    const seen: string[] = []
    const first = await restoreEntry(store, key, path.join(temp, 'l1'), checker(seen))
    assert.equal(first.saveKey, key)
    await saveEntry(store, first.saveKey, await built('lgood', 'good image'))
    const again = await restoreEntry(store, key, path.join(temp, 'l2'), checker(seen))
    assert.equal(again.value, 'good image')
    assert.deepEqual(await fs.readdir(root), [key])
  })
})

describe('entry folders of concurrent runs', () => {
  it('two runs saving and restoring one key at once both get whole entries', async () => {
    const log = recordingLogger()
    const root = path.join(temp, 'concurrent')
    const store = storeOf(new LocalImageCache(root), log)
    const key = 'julia-sysimage-concurrent-1'
    const big = 'good ' + 'x'.repeat(5_000_000)
    const files = await built('big', big)
    await Promise.all([saveEntry(store, key, files), saveEntry(store, key, files)])
    const seen: string[] = []
    const results = await Promise.all(
      ['c1', 'c2', 'c3'].map((run) => restoreEntry(store, key, path.join(temp, run), checker(seen)))
    )
    for (const result of results) assert.equal(result.value, big)
    assert.deepEqual(await fs.readdir(root), [key])
    assert.deepEqual(await leftovers(store.entriesDir), [])
    assert.ok(!log.lines.some((l) => l.startsWith('warning')), log.lines.join('\n'))
  })
})

describe('acquireLock', () => {
  it('waits for a running holder and takes over a dead one’s lock', async () => {
    const file = path.join(temp, 'x.lock')
    const release = await acquireLock(file, 5_000)
    let waitedFor = 0
    const second = acquireLock(file, 5_000, (holder) => (waitedFor = holder))
    await new Promise((resolve) => setTimeout(resolve, 400))
    assert.equal(waitedFor, process.pid, 'the second waits while this process holds it')
    await release()
    const releaseSecond = await second
    await releaseSecond()

    // a pid that cannot be running: the largest pid Linux allows is 4194304
    await fs.writeFile(file, '99999999')
    const taken = await acquireLock(file, 1_000)
    assert.equal(await fs.readFile(file, 'utf8'), String(process.pid))
    await taken()
    await assert.rejects(fs.stat(file))
  })
  it('gives up with a message naming the holder', async () => {
    const file = path.join(temp, 'y.lock')
    const release = await acquireLock(file, 1_000)
    await assert.rejects(acquireLock(file, 300), /still held by process \d+/)
    await release()
  })
})
