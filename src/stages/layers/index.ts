import type { LayeredResult } from './build.js'
import type { LayerRoot } from './generations.js'

export { buildLayers, rebaseBound, type LayeredResult, type LayerStatus } from './build.js'
export { layerFolder, workloadPackage, type LayerFolder } from './folder.js'
export {
  layerRootFor,
  liveLayers,
  nextGeneration,
  removeOtherGenerations,
  switchGeneration,
  type LayerRoot
} from './generations.js'
export { hasOwnCode, splitLayers, manifestEntries } from './split.js'

/** The `layers` section of a layered image's metadata: each layer as this run got it. */
export interface LayersMetadata {
  /** The folder beside the image with the package-image layers, found by the image's hook. */
  folder: string
  dependencies: {
    status: string
    key: string
    ms: number
    size: number
    packages: string[]
    statementsUsed: number
    /** Built again with this run's trace: the workload package had outgrown its bound. */
    rebased?: boolean
  }
  own: {
    status: string
    key: string
    ms: number
    size: number
    packages: { name: string; status: string; seconds: number }[]
    sourceTimesRestored?: number
  }
  workload: {
    status: string
    key: string
    ms: number
    size: number
    statements: number
    used?: number
  }
  /** Files precompiled at run time in the verify runs (none when every layer was valid). */
  precompiledAtRunTime: string[]
}

const round = (ms: number) => Math.round(ms)

/** Pure: the metadata of the layers, whose folder is `root` (the generation inside it apart). */
export function layersMetadata(layered: LayeredResult, root: LayerRoot): LayersMetadata {
  const { dependencies: d, own: o, workload: w } = layered
  return {
    folder: root.root.split(/[\\/]/).pop() ?? root.root,
    dependencies: {
      status: d.status,
      key: d.key,
      ms: round(d.ms),
      size: d.size,
      packages: layered.split.deps.map((p) => p.name),
      statementsUsed: d.facts.replay.used,
      ...(d.rebased ? { rebased: true } : {})
    },
    own: {
      status: o.status,
      key: o.key,
      ms: round(o.ms),
      size: o.size,
      packages: o.packages.map((p) => ({ name: p.name, status: p.status, seconds: p.seconds })),
      ...(o.restoredTimes ? { sourceTimesRestored: o.restoredTimes.restored } : {})
    },
    workload: {
      status: w.status,
      key: w.key,
      ms: round(w.ms),
      size: w.size,
      statements: w.statements,
      ...(w.replay ? { used: w.replay.used } : {})
    },
    precompiledAtRunTime: layered.verification.precompiledAtRunTime
  }
}
