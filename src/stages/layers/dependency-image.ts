import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import { restoreEntry, saveEntry } from '../../store/cache-entries.js'
import { entryStore, layerStore } from './entries.js'
import { sha256File } from '../../util/hash.js'
import type { StatementCounts } from '../trace/index.js'
import type { ReplayReport } from '../object/index.js'
import type { StageContext } from '../stage.js'
import { loadProblem } from '../verify/index.js'
import { heldPackagesMismatch, type HeldPackage } from './held-packages.js'
import type { LayerSplit } from './split.js'

/** What the dependency image's build measured, kept in its cache entry for later metadata. */
export interface DependencyImageFacts {
  sha256: string
  size: number
  statementCounts: StatementCounts
  replay: ReplayReport
  objectSize: number
  peakMemory: number
  /** Wall time of its trace, object build and link, in ms. */
  buildMs: number
  /** A re-based image: the workload package's dependency-only statements it was built for. */
  rebasedWith?: number
  /** Every package the image holds, as the manifest resolved it at the build. */
  packages: HeldPackage[]
}

const imageName = 'image'
const factsName = 'facts.json'

/**
 * Restores the dependency image of `key` to the build's partial image path. The entry is trusted
 * only when the image's sha256 is the one its facts record, the manifest still resolves every
 * package it holds to the content it was built with, and the image loads the project's packages.
 */
export async function restoreDependencyImage(
  ctx: StageContext,
  key: string,
  split: Pick<LayerSplit, 'deps' | 'entries'>
): Promise<{ facts?: DependencyImageFacts; saveKey: string }> {
  const { request, julia, project } = ctx.prepared
  const store = entryStore(layerStore(ctx), 'dependency image')
  if (!store) return { saveKey: key }
  const scratch = await fs.mkdtemp(
    path.join(request.tempDir ?? os.tmpdir(), 'julia-sysimage-deps-')
  )
  try {
    const outcome = await restoreEntry(store, key, scratch, async (dir) => {
      const facts = JSON.parse(
        await fs.readFile(path.join(dir, factsName), 'utf8').catch(() => '{}')
      ) as DependencyImageFacts
      const image = path.join(dir, imageName)
      const sha256 = await sha256File(image).catch(() => undefined)
      if (sha256 === undefined || sha256 !== facts.sha256)
        return {
          rejection: `the image's sha256 ${sha256 ?? '(missing)'} is not the ${facts.sha256} it records`
        }
      const changed = Array.isArray(facts.packages)
        ? heldPackagesMismatch(facts.packages, split.entries)
        : 'it does not record which packages it holds'
      if (changed) return { rejection: changed }
      const problem = await loadProblem(
        julia,
        image,
        project.dir,
        split.deps,
        request.tempDir ?? os.tmpdir(),
        request.env
      )
      if (problem) return { rejection: problem }
      await fs.copyFile(image, ctx.partialImage)
      return { value: facts }
    })
    return { facts: outcome.value, saveKey: outcome.saveKey }
  } finally {
    await fs.rm(scratch, { recursive: true, force: true })
  }
}

/** Saves the freshly built dependency image (at the partial image path) with its facts. */
export async function saveDependencyImage(
  ctx: StageContext,
  key: string,
  facts: DependencyImageFacts
): Promise<void> {
  const store = entryStore(layerStore(ctx), 'dependency image')
  if (!store) return
  const factsFile = ctx.work('deps-facts.json')
  await fs.writeFile(factsFile, JSON.stringify(facts))
  await saveEntry(store, key, [
    { source: ctx.partialImage, name: imageName },
    { source: factsFile, name: factsName }
  ])
}
