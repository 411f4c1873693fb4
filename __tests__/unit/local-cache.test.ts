import assert from 'node:assert/strict'
import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { describe, it } from 'node:test'
import { LocalImageCache } from '../../src/store/local-cache.js'

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
  })
})
