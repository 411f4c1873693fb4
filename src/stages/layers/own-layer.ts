import { promises as fs } from 'node:fs'
import path from 'node:path'
import { atLeast } from '../../julia/version.js'
import { type StageContext } from '../stage.js'
import type { StageTimer } from '../../timing.js'
import { restoreLayer, saveKeyAfterRestore, saveLayer, type LayerStore } from './entries.js'
import { compiledFolders, type LayerFolder } from './folder.js'
import { ownLayerKey } from './layer-keys.js'
import { recordSourceTimes, restoreSourceTimes, type SourceTime } from './mtimes.js'
import { type LayerSplit } from './split.js'
import { checkoutRoot, ownSourceFiles } from './sources.js'
import type { LayeredResult } from './layer-result.js'
import { sizeOf, juliaMinor, precompileOn } from './layer-steps.js'

/** Pure: the package images of the own layer, by name: the own packages and their extensions. */
export function ownImageNames(split: Pick<LayerSplit, 'own' | 'extensions'>): string[] {
  return [...split.own.map((p) => p.name), ...split.extensions.map((e) => e.name)]
}

/** Facts kept with the own layer's entry. */
interface OwnFacts {
  sourceTimes: SourceTime[]
}

/**
 * The own packages' images: restored (with their source times put back on Julia 1.10), then
 * loaded on the dependency image, which precompiles what Julia finds stale.
 */
export async function ownLayer(
  ctx: StageContext,
  timer: StageTimer,
  store: LayerStore,
  split: LayerSplit,
  folder: LayerFolder,
  dependencyImageSha256: string,
  previous?: string
): Promise<LayeredResult['own']> {
  const { prepared, log } = ctx
  const { project, julia, request } = prepared
  const ownKey = await ownLayerKey(prepared, dependencyImageSha256)
  if (split.own.length === 0) return { status: 'empty', key: ownKey, ms: 0, size: 0, packages: [] }
  const ownStart = performance.now()
  // Julia 1.10's source times are recorded and put back for the whole checkout
  const checkout = await checkoutRoot(project.dir, request.env)
  const ownRestored = await timer.stage('restore own layer', () =>
    restoreLayer<OwnFacts>(store, 'own package images', ownKey, folder.root)
  )
  if (!ownRestored.facts && previous)
    await reusePreviousImages(ctx, previous, folder, ownImageNames(split), dependencyImageSha256)
  let restoredTimes: LayeredResult['own']['restoredTimes']
  if (ownRestored.facts && !atLeast(julia.version, 1, 11)) {
    const times = await restoreSourceTimes(checkout, ownRestored.facts.sourceTimes)
    restoredTimes = { restored: times.restored.length, changed: times.changed.length }
    if (times.refused.length > 0)
      log.warning(
        `the cached own package images name ${times.refused.length} source files outside the checkout ${checkout} (${times.refused.slice(0, 3).join(', ')}): ignored; the cache may have been written by someone else`
      )
    log.info(
      `source times put back for ${times.restored.length} unchanged own files (Julia 1.10 checks mtimes); ${times.changed.length} changed files left alone`
    )
  }
  const packages = await timer.stage('own packages', () =>
    precompileOn(ctx, folder, 'own', split.own, 'own package', split.extensions)
  )
  const ownBuilt = packages.some((p) => p.status === 'built')
  const ownSaveKey = saveKeyAfterRestore(log, 'own package images', ownKey, ownRestored, ownBuilt)
  if (ownSaveKey !== undefined) {
    const sourceTimes = await recordSourceTimes(
      checkout,
      await ownSourceFiles(project, split, checkout)
    )
    await timer.stage('save own layer', () =>
      saveLayer(
        store,
        'own package images',
        ownSaveKey,
        folder.root,
        compiledFolders(juliaMinor(ctx), ownImageNames(split)),
        { sourceTimes } satisfies OwnFacts
      )
    )
  }
  for (const p of packages)
    log.info(`own package ${p.name}: ${p.status} (${p.seconds.toFixed(1)} s)`)
  return {
    status: ownBuilt || !ownRestored.facts ? 'built' : 'restored',
    key: ownKey,
    ms: performance.now() - ownStart,
    size: await sizeOf(path.join(folder.depot, 'compiled')),
    packages,
    restoredTimes
  }
}

/**
 * Without a cache entry for these sources, the previous build at the same output (the CLI's edit
 * loop) still holds images of the own packages: when it was built on the same dependency image,
 * they are copied in, and Julia's own staleness check then rebuilds only the edited packages and
 * those that depend on them.
 */
async function reusePreviousImages(
  ctx: StageContext,
  previous: string,
  folder: LayerFolder,
  names: string[],
  dependencyImageSha256: string
): Promise<void> {
  const metadataFile = `${ctx.prepared.output}.json`
  const old = await fs
    .readFile(metadataFile, 'utf8')
    .then((text) => JSON.parse(text) as { image?: { sha256?: string } })
    .catch(() => undefined)
  if (old?.image?.sha256 !== dependencyImageSha256) return
  const folders = compiledFolders(juliaMinor(ctx), names)
  for (const rel of folders) {
    const from = path.join(previous, rel)
    if (await fs.stat(from).catch(() => undefined))
      await fs.cp(from, path.join(folder.root, rel), { recursive: true, preserveTimestamps: true })
  }
  ctx.log.info(
    `own package images of the previous build at ${ctx.prepared.output} reused where Julia finds them valid`
  )
}
