import os from 'node:os'
import path from 'node:path'
import { restoreCache, saveCache } from '@actions/cache'
import { errorMessage } from '../errors.js'
import type { Logger } from '../log.js'
import { cacheMode } from './github-cache-env.js'
import { problemsIn, watchLibraryMessages } from './library-messages.js'
import type { ImageCache, SaveOutcome } from './types.js'

export type { SaveOutcome }

/**
 * @actions/cache mixes the path strings into each entry's version, so an absolute path would
 * tie entries to one machine's home folder. Paths under the home folder go in as `~/…`, which
 * the library expands itself: the same entry then serves every runner.
 */
export function libraryPath(dir: string, home: string = os.homedir()): string {
  const relative = path.relative(home, dir)
  if (relative === '' || relative.startsWith('..') || path.isAbsolute(relative)) return dir
  return `~/${relative.split(path.sep).join('/')}`
}

export { cacheServiceProtocol, isGitHubCacheAvailable } from './github-cache-env.js'

/** How a save ended when it did not fail. */
/**
 * Images in the GitHub Actions cache, through @actions/cache (whichever protocol the runner
 * selects). The library reports a lookup against a failing service, an entry saved by another
 * job and a failed upload all as "nothing" plus a log line; this adapter turns those into the
 * three answers the pipeline needs: found / not found / failed, and saved / already there /
 * failed.
 */
export class GitHubImageCache implements ImageCache {
  readonly description = 'GitHub Actions cache'

  constructor(private readonly logger: Logger) {}

  async restore(key: string, dir: string): Promise<boolean> {
    // Look before downloading: the library also takes an entry whose key merely starts with
    // `key` and would unpack it into `dir`, while an image must match its inputs exactly.
    if (!(await this.exists(key, dir))) return false
    const { result, problems } = await this.call(`restoring cache entry ${key}`, () =>
      restoreCache([libraryPath(dir)], key)
    )
    if (result === key) return true
    if (problems) throw new Error(`restoring cache entry ${key} failed: ${problems}`)
    if (result !== undefined) {
      throw new Error(`restoring cache entry ${key} failed: the service returned entry ${result}`)
    }
    this.logger.info(`Cache entry ${key} was removed between lookup and download.`)
    return false
  }

  async save(key: string, dir: string): Promise<SaveOutcome> {
    const mode = cacheMode()
    if (!mode.writable) {
      this.logger.info(`Not saving ${key}: the runner's cache mode '${mode.name}' forbids writes.`)
      return 'skipped'
    }
    // Looking first also spares archiving and uploading an image another job already saved.
    if (mode.readable && (await this.exists(key, dir))) {
      this.logger.info(
        `Cache entry ${key} already exists (saved by another job or run); not saved again.`
      )
      return 'already-existed'
    }
    const { result: id, problems } = await this.call(`saving cache entry ${key}`, () =>
      saveCache([libraryPath(dir)], key)
    )
    if (!mode.readable) {
      // write-only: lookups are refused, so the library's answer is all there is.
      if (id !== -1 && !problems) return 'saved'
      throw new Error(
        `saving cache entry ${key} failed: ${problems || 'the service did not take it'} (with the runner's cache mode 'write-only' an entry saved by another job looks the same)`
      )
    }
    // The library returns -1 both for "exists" and for a failed reservation, and the legacy
    // protocol returns an id even when the upload after the reservation failed. Whether the
    // entry is there now is the answer.
    let stored: boolean
    try {
      stored = await this.exists(key, dir)
    } catch (error) {
      throw new Error(
        `saving cache entry ${key}: could not check the result: ${errorMessage(error)}`,
        { cause: error }
      )
    }
    if (stored && id !== -1) {
      this.logger.debug(`Saved cache entry ${key}.`)
      return 'saved'
    }
    if (stored) {
      this.logger.info(`Cache entry ${key} already exists (another job saved it first).`)
      return 'already-existed'
    }
    throw new Error(
      `saving cache entry ${key} failed: ${problems || 'the cache service did not store it'}`
    )
  }

  /** Entries are immutable and the toolkit has no delete: a bad entry stays until it expires. */
  async discard(key: string): Promise<boolean> {
    this.logger.debug(`The GitHub Actions cache cannot delete entry ${key}.`)
    return false
  }

  has(key: string, dir: string): Promise<boolean> {
    return this.exists(key, dir)
  }

  /** Whether an entry with exactly this key exists, without downloading it. */
  private async exists(key: string, dir: string): Promise<boolean> {
    const { result, problems } = await this.call(`looking up cache entry ${key}`, () =>
      restoreCache([libraryPath(dir)], key, [], { lookupOnly: true })
    )
    if (problems) throw new Error(`looking up cache entry ${key} failed: ${problems}`)
    if (result !== undefined && result !== key) {
      this.logger.debug(`The cache has ${result}, whose key only starts with ${key}; not used.`)
    }
    return result === key
  }

  /** Runs a library call, collecting the failures it only logs; thrown errors get context. */
  private async call<T>(what: string, fn: () => Promise<T>) {
    try {
      const { result, messages } = await watchLibraryMessages(fn)
      return { result, problems: problemsIn(messages) }
    } catch (error) {
      throw new Error(`${what} failed: ${errorMessage(error)}`, { cause: error })
    }
  }
}
