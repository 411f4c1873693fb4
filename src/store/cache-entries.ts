import { promises as fs } from 'node:fs'
import path from 'node:path'
import { errorMessage } from '../errors.js'
import { keyCharacters } from '../keys.js'
import type { Logger } from '../log.js'
import { acquireLock } from '../util/lock-file.js'
import type { ImageCache } from './types.js'

/**
 * Restoring and saving cache entries (finished images and base archives alike).
 *
 * Entries pass through a folder of their own per key, `<entriesDir>/<key>`: @actions/cache makes
 * the restored/saved path part of an entry's version, so the folder must be the same on every
 * runner for the same key (a folder per run would never hit). A lock file beside it keeps two
 * runs on one machine from using it at once, and files leave it for the run's own folder before
 * the lock is released, so nothing one run needs sits where another run deletes.
 *
 * GitHub cache entries cannot be replaced or deleted. When a restored entry fails its checks,
 * the rebuilt one is saved under the next *generation* of the key (`<key>-2`, `<key>-3`, …);
 * every run looks the generations up in order (cheap lookups, no download) and restores the
 * newest, so one bad entry costs one rebuild, not one per run. A store that can replace an entry
 * (the local cache) keeps the first generation.
 */

/** Pure: the key of generation `n` (1 is the plain key). */
export function generationKey(key: string, n: number): string {
  return n <= 1 ? key : `${key}-${n}`
}

/** Pure: which generation of `key` the entry `entryKey` is (`key`: 1, `key-N`: N). */
export function generationOf(key: string, entryKey: string): number {
  const n = entryKey === key ? 1 : Number(entryKey.slice(key.length + 1))
  return Number.isInteger(n) && n >= 1 ? n : 1
}

/**
 * Pure: the generation after `entryKey`, an entry restored for `key` (`key`, or `key-N`). A
 * re-based dependency image is saved there: later runs restore the newest generation.
 */
export function nextGenerationKey(key: string, entryKey: string): string {
  return generationKey(key, generationOf(key, entryKey) + 1)
}

/** How long a run waits for another run on the same machine to finish with an entry folder. */
const lockTimeoutMs = 20 * 60_000

export interface EntryStore {
  cache: ImageCache
  /** Folder that holds the per-key entry folders (under the user's cache folder). */
  entriesDir: string
  /** What the entries are, for the log: "image", "base archive". */
  what: string
  /** What a miss leads to, for the log; "building" unless given. */
  onMiss?: string
  log: Logger
}

/** Why a restored entry cannot serve, or its value when it can. */
export type EntryCheck<T> = { value: T; rejection?: undefined } | { rejection: string }

export interface RestoreOutcome<T> {
  /** The checked value of a restored entry; undefined on a miss or a rejected entry. */
  value?: T
  /** The key a rebuilt entry is saved under. */
  saveKey: string
}

function entryFolder(store: EntryStore, key: string): string {
  // keys.ts spells every key in these characters; never let one name a path elsewhere
  if (!keyCharacters.test(key) || key === '.' || key === '..')
    throw new Error(`not a cache key: ${key}`)
  return path.join(store.entriesDir, key)
}

/** Runs `fn` with the entry folder of `key` locked and empty; the folder is gone afterwards. */
async function withEntryFolder<T>(
  store: EntryStore,
  key: string,
  fn: (folder: string) => Promise<T>
): Promise<T> {
  const folder = entryFolder(store, key)
  await fs.mkdir(store.entriesDir, { recursive: true })
  const release = await acquireLock(`${folder}.lock`, lockTimeoutMs, (holder) =>
    store.log.info(`waiting for process ${holder}, which is using the ${store.what} entry ${key}`)
  )
  try {
    await fs.rm(folder, { recursive: true, force: true })
    return await fn(folder)
  } finally {
    await fs.rm(folder, { recursive: true, force: true })
    await release()
  }
}

/** Moves every file of `from` into `to` (a rename when both are on one file system). */
async function moveFiles(from: string, to: string): Promise<void> {
  await fs.mkdir(to, { recursive: true })
  for (const name of await fs.readdir(from)) {
    const source = path.join(from, name)
    const target = path.join(to, name)
    await fs.rename(source, target).catch(async (error: NodeJS.ErrnoException) => {
      if (error.code !== 'EXDEV') throw error
      await fs.copyFile(source, target)
    })
  }
}

/** The newest generation of `key` in the cache (0: none). */
async function newestGeneration(store: EntryStore, key: string): Promise<number> {
  let n = 0
  while (
    await store.cache.has(generationKey(key, n + 1), entryFolder(store, generationKey(key, n + 1)))
  )
    n += 1
  return n
}

/**
 * Restores the newest generation of `key` into `into` (a folder of this run's own) and checks it.
 * A miss, a failing cache (a warning) and a rejected entry (a warning, the entry discarded where
 * the store can) all end without a value; `saveKey` says where the rebuilt entry goes.
 */
export async function restoreEntry<T>(
  store: EntryStore,
  key: string,
  into: string,
  check: (dir: string) => Promise<EntryCheck<T>>
): Promise<RestoreOutcome<T>> {
  const { cache, log, what } = store
  let newest: number
  let entryKey: string
  try {
    newest = await newestGeneration(store, key)
    if (newest === 0) {
      log.info(`no ${what} in the ${cache.description} for this key: ${store.onMiss ?? 'building'}`)
      return { saveKey: key }
    }
    entryKey = generationKey(key, newest)
    const restored = await withEntryFolder(store, entryKey, async (folder) => {
      if (!(await cache.restore(entryKey, folder))) return false
      await moveFiles(folder, into)
      return true
    })
    if (!restored) {
      log.info(`the ${what} entry ${entryKey} went away before it could be restored: building`)
      return { saveKey: entryKey }
    }
  } catch (error) {
    log.warning(
      `restoring from the ${cache.description} failed, building instead (${what}): ${errorMessage(error)}`
    )
    return { saveKey: key }
  }
  const checked = await check(into)
  if (checked.rejection === undefined) {
    log.info(`${what} restored from the ${cache.description} (${entryKey})`)
    return { value: checked.value, saveKey: entryKey }
  }
  log.warning(`the cached ${what} was thrown away and will be rebuilt: ${checked.rejection}`)
  if (await cache.discard(entryKey).catch(() => false)) return { saveKey: entryKey }
  const next = generationKey(key, newest + 1)
  log.warning(
    `the ${cache.description} cannot replace the entry ${entryKey}: the rebuilt ${what} is saved as ${next}, which later runs restore instead`
  )
  return { saveKey: next }
}

/** A file to store in an entry: its path now, and its name inside the entry. */
export interface EntryFile {
  source: string
  name: string
}

/** Saves `files` as the entry `key`. A failing cache is a warning: the build itself is fine. */
export async function saveEntry(
  store: EntryStore,
  key: string,
  files: readonly EntryFile[]
): Promise<void> {
  const { cache, log, what } = store
  try {
    const outcome = await withEntryFolder(store, key, async (folder) => {
      await fs.mkdir(folder, { recursive: true })
      for (const file of files) await fs.copyFile(file.source, path.join(folder, file.name))
      return cache.save(key, folder)
    })
    const said = {
      saved: 'saved to',
      'already-existed': 'already in',
      skipped: 'not saved (read-only) to'
    }
    log.info(`${what} ${said[outcome]} the ${cache.description} (${key})`)
  } catch (error) {
    log.warning(
      `saving the ${what} to the ${cache.description} failed (the ${what} itself is fine): ${errorMessage(error)}`
    )
  }
}
