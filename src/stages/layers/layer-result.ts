import { type DependencyImageFacts } from './dependency-image.js'
import { type LayerFolder } from './folder.js'
import { type PackageImage, type WorkloadReplay } from './precompile.js'
import { type LayerSplit } from './split.js'
import { type LayeredVerification } from './verify.js'

/** What each layer of a layered build was in this run, as the metadata and the log report it. */

/** How a layer came to be in this run; `empty`: a project without own packages has no own layer. */
export type LayerStatus = 'built' | 'restored' | 'empty'

export interface LayerReport {
  status: LayerStatus
  key: string
  /** Wall time of the layer in this run (restore or build), ms. */
  ms: number
  /** Bytes of the layer's files. */
  size: number
}

export interface LayeredResult {
  split: LayerSplit
  folder: LayerFolder
  dependencies: LayerReport & {
    facts: DependencyImageFacts
    /** The cache entry it was restored from (a generation of `key`). */
    entryKey?: string
    /** Built again with this run's trace because the workload package outgrew its bound. */
    rebased?: boolean
  }
  own: LayerReport & {
    packages: PackageImage[]
    restoredTimes?: { restored: number; changed: number }
  }
  workload: LayerReport & {
    statements: number
    /** Of those, the ones that name no own package: a dependency image could hold them. */
    dependencyOnly: number
    replay?: WorkloadReplay
  }
  verification: LayeredVerification
}
