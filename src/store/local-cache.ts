import { promises as fs } from 'node:fs'
import path from 'node:path'
import { keyCharacters } from '../keys.js'
import { tempPathBeside } from '../util/atomic.js'
import type { ImageCache, SaveOutcome } from './types.js'

/**
 * The cache for the CLI: one folder per key under `root`. An entry appears in one rename, so a
 * reader never sees half of one, and two runs saving the same key at once both succeed.
 */
export class LocalImageCache implements ImageCache {
  readonly description: string

  constructor(private readonly root: string) {
    this.description = `local cache ${root}`
  }

  private entry(key: string): string {
    // keys.ts spells every key in these characters; never let one name a path outside the root
    if (!keyCharacters.test(key) || key === '.' || key === '..')
      throw new Error(`not a cache key: ${key}`)
    return path.join(this.root, key)
  }

  async restore(key: string, dir: string): Promise<boolean> {
    const entry = this.entry(key)
    const files = await fs.readdir(entry).catch(() => undefined)
    if (!files) return false
    await fs.rm(dir, { recursive: true, force: true })
    await fs.mkdir(dir, { recursive: true })
    for (const file of files) await fs.copyFile(path.join(entry, file), path.join(dir, file))
    return true
  }

  async has(key: string): Promise<boolean> {
    return (await fs.stat(this.entry(key)).catch(() => undefined))?.isDirectory() ?? false
  }

  async discard(key: string): Promise<boolean> {
    await fs.rm(this.entry(key), { recursive: true, force: true })
    return true
  }

  async save(key: string, dir: string): Promise<SaveOutcome> {
    const entry = this.entry(key)
    await fs.mkdir(this.root, { recursive: true })
    const staging = tempPathBeside(entry)
    await fs.mkdir(staging)
    try {
      for (const file of await fs.readdir(dir)) {
        await fs.copyFile(path.join(dir, file), path.join(staging, file))
      }
      await fs.rename(staging, entry)
      return 'saved'
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      // someone else completed the same entry first: theirs is as good as ours
      if (code !== 'ENOTEMPTY' && code !== 'EEXIST') throw error
      return 'already-existed'
    } finally {
      await fs.rm(staging, { recursive: true, force: true })
    }
  }
}
