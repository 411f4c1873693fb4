import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { imageCacheKey } from '../../src/keys.js'
import { restoreEntry, saveEntry } from '../../src/store/cache-entries.js'
import { LocalImageCache } from '../../src/store/local-cache.js'
import { recordingLogger } from '../helpers/recording-logger.js'

describe('LocalImageCache', () => {
  it('misses, saves, restores byte for byte, and accepts a second save of the same key', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-local-'))
    try {
      const cache = new LocalImageCache(path.join(root, 'cache'))
      const entry = path.join(root, 'entry')
      assert.equal(await cache.restore('k-1', entry), false)
      await fs.mkdir(entry)
      await fs.writeFile(path.join(entry, 'image'), Buffer.from([0, 1, 2, 255]))
      await fs.writeFile(path.join(entry, 'metadata.json'), '{}')
      await Promise.all([cache.save('k-1', entry), cache.save('k-1', entry)])
      const restored = path.join(root, 'restored')
      assert.equal(await cache.restore('k-1', restored), true)
      assert.deepEqual(await fs.readFile(path.join(restored, 'image')), Buffer.from([0, 1, 2, 255]))
      assert.deepEqual(
        (await fs.readdir(path.join(root, 'cache'))).sort(),
        ['k-1'],
        'no staging folders left'
      )
    } finally {
      await fs.rm(root, { recursive: true, force: true })
    }
  })

  it('refuses keys that could name a path', async () => {
    const cache = new LocalImageCache(os.tmpdir())
    await assert.rejects(cache.restore('../x', '/tmp/y'), /not a cache key/)
    await assert.rejects(cache.discard('..'), /not a cache key/)
  })

  it('saves and restores entries keyed by Julia versions with build metadata or prereleases', async () => {
    const root = await fs.mkdtemp(path.join(os.tmpdir(), 'jsi-local-'))
    try {
      const log = recordingLogger()
      const store = {
        cache: new LocalImageCache(path.join(root, 'images')),
        entriesDir: path.join(root, 'entries'),
        what: 'image',
        log
      }
      for (const version of ['1.10.8+RAI', '1.12.0-rc1', '1.13.0-DEV.123']) {
        const key = imageCacheKey({
          prefix: '',
          julia: { version, build: 'commit:f9239e' },
          os: 'linux',
          arch: 'x86_64',
          cpuTarget: 'native',
          mode: 'full',
          packages: [],
          files: []
        })
        const image = path.join(root, `${version}.so`)
        await fs.writeFile(image, `image of ${version}`)
        await saveEntry(store, key, [{ source: image, name: 'image' }])
        const into = path.join(root, `restored-${version}`)
        const outcome = await restoreEntry(store, key, into, async (dir) => ({
          value: await fs.readFile(path.join(dir, 'image'), 'utf8')
        }))
        assert.equal(outcome.value, `image of ${version}`, log.lines.join('\n'))
      }
      assert.deepEqual(
        log.lines.filter((line) => line.startsWith('warning:')),
        [],
        'no failed save or restore'
      )
    } finally {
      await fs.rm(root, { recursive: true, force: true })
    }
  })
})
