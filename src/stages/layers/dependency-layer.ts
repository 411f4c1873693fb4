import { promises as fs } from 'node:fs'
import { sha256File } from '../../util/hash.js'
import { linkStage } from '../link/index.js'
import { objectStage } from '../object/index.js'
import {
  packagesFileText,
  packagesOfFileText,
  projectStage,
  type PackageRef
} from '../project/index.js'
import { type StageContext } from '../stage.js'
import { traceStage } from '../trace/index.js'
import type { StageTimer } from '../../timing.js'
import { restoreDependencyImage, saveDependencyImage } from './dependency-image.js'
import { heldPackages } from './held-packages.js'
import { dependencyImageKey } from './layer-keys.js'
import { type LayerSplit } from './split.js'
import type { LayeredResult } from './layer-result.js'

/** The dependency image: restored by its key, or traced, built and linked without the own code. */
export async function dependencyLayer(
  ctx: StageContext,
  timer: StageTimer,
  split: LayerSplit,
  /** Re-base: build it even though an entry exists, save it under `key`, remember the count. */
  rebase?: { key: string; dependencyOnly: number }
): Promise<LayeredResult['dependencies']> {
  const { prepared, log } = ctx
  const depsKey = await dependencyImageKey(prepared, split)
  log.info(`dependency image key: ${depsKey}`)
  const depsStart = performance.now()
  const restoredDeps = rebase
    ? { facts: undefined, saveKey: rebase.key }
    : await timer.stage('restore dependency image', () =>
        restoreDependencyImage(ctx, depsKey, split)
      )
  let depsFacts = restoredDeps.facts
  if (!depsFacts) {
    const buildStart = performance.now()
    // the trace and the image build run with `--pkgimages=no`: precompile for that first
    await timer.stage(projectStage.name(prepared), () => projectStage.run(ctx, {}))
    const trace = await timer.stage('trace', () => traceStage.run(ctx, {}))
    // the image holds the dependencies only: neither own packages nor what loads them
    await fs.writeFile(ctx.work('packages.txt'), packagesFileText(split.deps))
    const modules = await keepModules(ctx.work('workload-modules.txt'), split)
    const object = await timer.stage('object', () => objectStage.run(ctx, {}))
    await timer.stage('link', () => linkStage.run(ctx, {}))
    const stat = await fs.stat(ctx.partialImage)
    depsFacts = {
      sha256: await sha256File(ctx.partialImage),
      size: stat.size,
      statementCounts: trace.counts,
      replay: object.report,
      objectSize: object.objectSize,
      peakMemory: object.peakMemory,
      buildMs: performance.now() - buildStart,
      ...(rebase ? { rebasedWith: rebase.dependencyOnly } : {}),
      packages: heldPackages([...split.deps, ...modules], split.entries)
    }
    await timer.stage('save dependency image', () =>
      saveDependencyImage(ctx, restoredDeps.saveKey, depsFacts!)
    )
  }
  return {
    status: restoredDeps.facts ? 'restored' : 'built',
    ...(restoredDeps.facts ? { entryKey: restoredDeps.saveKey } : {}),
    ...(rebase ? { rebased: true } : {}),
    key: depsKey,
    ms: performance.now() - depsStart,
    size: depsFacts.size,
    facts: depsFacts
  }
}

/**
 * Keeps in the workload-modules file only modules that are not own code (own packages, and the
 * extensions of own code: those are told by name, since Julia derives an extension's uuid from a
 * hash that differs between versions); returns them.
 */
async function keepModules(
  file: string,
  split: Pick<LayerSplit, 'ownUuids' | 'extensions'>
): Promise<PackageRef[]> {
  const text = await fs.readFile(file, 'utf8').catch(() => undefined)
  if (text === undefined) return []
  const extensions = new Set(split.extensions.map((e) => e.name))
  const kept = packagesOfFileText(text).filter(
    ({ uuid, name }) => !split.ownUuids.has(uuid) && !extensions.has(name)
  )
  await fs.writeFile(file, packagesFileText(kept))
  return kept
}
