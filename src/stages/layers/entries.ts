import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import type { Logger } from '../../log.js'
import {
  generationKey,
  generationOf,
  restoreEntry,
  saveEntry,
  type EntryCheck,
  type EntryStore
} from '../../store/cache-entries.js'
import type { ImageCache } from '../../store/types.js'
import { entriesDir } from '../../util/user-cache.js'
import type { StageContext } from '../stage.js'
import { packFolders, unpackFolders } from './archive.js'

/**
 * A layer's cache entry: `layer.tar` (parts of the layer folder) and `facts.json` (what the
 * layer's build measured, and what a restore needs, such as recorded source times).
 */
const tarName = 'layer.tar'
const factsName = 'facts.json'

export interface LayerStore {
  cache?: ImageCache
  env: NodeJS.ProcessEnv
  tempDir?: string
  log: Logger
}

/** The cache, environment and log of a build, as the layer entries use them. */
export function layerStore(ctx: StageContext): LayerStore {
  const { request } = ctx.prepared
  return { cache: ctx.cache, env: request.env, tempDir: request.tempDir, log: ctx.log }
}

/** The cache entry store of a layer, or undefined without a cache. */
export function entryStore(store: LayerStore, what: string): EntryStore | undefined {
  return (
    store.cache && {
      cache: store.cache,
      entriesDir: entriesDir(store.env),
      what,
      log: store.log
    }
  )
}

/**
 * Restores the layer entry `key` into the layer folder `root`; returns its facts, or undefined on
 * a miss (or a cache that failed: a warning). `saveKey` is where a rebuilt entry goes.
 */
export async function restoreLayer<F>(
  store: LayerStore,
  what: string,
  key: string,
  root: string
): Promise<{ facts?: F; saveKey: string }> {
  const entries = entryStore(store, what)
  if (!entries) return { saveKey: key }
  const scratch = await fs.mkdtemp(path.join(store.tempDir ?? os.tmpdir(), 'julia-sysimage-layer-'))
  try {
    const outcome = await restoreEntry(
      entries,
      key,
      scratch,
      async (dir): Promise<EntryCheck<F>> => {
        try {
          const facts = JSON.parse(await fs.readFile(path.join(dir, factsName), 'utf8')) as F
          await unpackFolders(path.join(dir, tarName), root)
          return { value: facts }
        } catch (error) {
          return { rejection: `it cannot be unpacked (${(error as Error).message})` }
        }
      }
    )
    return { facts: outcome.value, saveKey: outcome.saveKey }
  } finally {
    await fs.rm(scratch, { recursive: true, force: true })
  }
}

/** Saves parts of the layer folder and the layer's facts as the entry `key`. */
export async function saveLayer(
  store: LayerStore,
  what: string,
  key: string,
  root: string,
  folders: string[],
  facts: unknown
): Promise<void> {
  const entries = entryStore(store, what)
  if (!entries) return
  const scratch = await fs.mkdtemp(path.join(store.tempDir ?? os.tmpdir(), 'julia-sysimage-layer-'))
  try {
    await packFolders(root, folders, path.join(scratch, tarName))
    await fs.writeFile(path.join(scratch, factsName), JSON.stringify(facts))
    await saveEntry(entries, key, [
      { source: path.join(scratch, tarName), name: tarName },
      { source: path.join(scratch, factsName), name: factsName }
    ])
  } catch (error) {
    store.log.warning(
      `saving the ${what} to the cache failed (the layer itself is fine): ${(error as Error).message}`
    )
  } finally {
    await fs.rm(scratch, { recursive: true, force: true })
  }
}

/**
 * Past this many generations of one layer key, a layer Julia keeps rejecting is not saved again:
 * something outside the key changes it on every run (builds alternating between two checkout
 * folders on Julia 1.10, say), and each save would only add an entry.
 */
export const maxLayerGenerations = 5

/**
 * Where a layer goes after this run, or undefined when it need not be saved. A miss saves at the
 * key. A restored layer that Julia rejected and rebuilt (another checkout folder, environment or
 * CPU than the one that saved it) goes to the generation after the restored one: saved at the
 * same key, the store would answer "already exists" and every later run would rebuild it again.
 */
export function saveKeyAfterRestore(
  log: Logger,
  what: string,
  key: string,
  restored: { facts?: unknown; saveKey: string },
  rebuilt: boolean
): string | undefined {
  if (!restored.facts) return restored.saveKey
  if (!rebuilt) return undefined
  const generation = generationOf(key, restored.saveKey) + 1
  const next = generationKey(key, generation)
  if (generation > maxLayerGenerations) {
    log.warning(
      `Julia rejected the restored ${what} again and they were rebuilt; ${maxLayerGenerations} generations of ${key} exist, so this one is not saved (something outside the key changes between runs: the checkout folder on Julia 1.10, an environment variable or flag)`
    )
    return undefined
  }
  log.info(
    `Julia rejected part of the restored ${what} and it was rebuilt (another checkout folder, environment or CPU than the run that saved it): saved as ${next}, which later runs restore`
  )
  return next
}
