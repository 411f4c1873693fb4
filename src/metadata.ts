import type { BaseReference } from './stages/base-archive/index.js'
import type { BuildMode } from './request.js'
import type { LayersMetadata } from './stages/layers/index.js'
import type { StatementCounts } from './stages/trace/index.js'
import type { ReplayReport } from './stages/object/index.js'
import { measurementOf, type Verification } from './stages/verify/index.js'

/** The `<image>.json` written next to every image. Field names are part of the public output. */
export interface ImageMetadata {
  schema: 1
  tool: { name: 'julia-sysimage'; version: string }
  createdAt: string
  image: { file: string; sha256: string; size: number }
  julia: { version: string; commit: string; os: string; arch: string; llvm: string }
  cpuTarget: string
  /** For `native` builds: the CPU the image is compiled for (`Sys.CPU_NAME`, or `generic+<features digest>`). */
  cpu?: string
  /** The Julia flags of the step it was built for (`julia-flags`); absent for default flags. */
  juliaFlags?: string[]
  /** `full`: the whole image emitted; `chained`: new code linked onto a base archive. */
  mode: BuildMode
  /** Chained images: the base they were built on (its cache key and the sha256 of its image). */
  base?: BaseReference
  /** Layered images: the layers beside the image and how this run got each. */
  layers?: LayersMetadata
  /** Flags the image must be used with (`julia <juliaArgs...>`). */
  juliaArgs: string[]
  project: {
    packages: string[]
    packagesInImage: string[]
    /** Modules the workload loaded that the build loaded into the image besides the packages. */
    addedFromWorkload: string[]
    /**
     * Stdlibs held for the steps after the build that Julia's own image leaves out (Test from
     * Julia 1.9, Pkg too from 1.11); absent when none.
     */
    heldForLaterSteps?: string[]
  }
  workloads: string[]
  statements: {
    traced: number
    unique: number
    used: number
    skipped: { main: number; malformed: number; unresolvable: number; failed: number }
    /**
     * Statements added for other stdout kinds (a traced `Base.PipeEndpoint` method also for
     * `Base.IOStream`, `Base.TTY`, `Base.DevNull` and their `IOContext`s): how many were added,
     * how many went into the image, how many could not. Not part of the counts above.
     */
    variants?: { added: number; used: number; skipped: number }
  }
  /**
   * The object build: archive size, the peak memory of its process and the emission threads it
   * had (absent before Julia 1.10), so that memory per thread can be learned from real builds.
   */
  object: { size: number; peakMemory: number; imageThreads?: number }
  /** Wall time of each stage in milliseconds, in pipeline order. */
  timings: Record<string, number>
  /** Wall time spent inside Julia processes; the rest of the run is julia-sysimage's own. */
  juliaProcessMs: number
  measurement?: {
    without: { loadMs: number; workMs: number }
    with: { loadMs: number; workMs: number }
    /** First work without the image divided by first work with it. */
    speedup: number
    /** Statements compiled at run time with the image: the bigger of a pipe's and a file's. */
    residual: number
    residualMain: number
    /** The statements counted in `residual`. */
    residualStatements: string[]
    /** The residual of each run with the image: stdout a pipe, a file, a terminal (when made). */
    residualByStdout?: { pipe: number; file: number; terminal?: number }
  }
}

export interface MetadataParts {
  toolVersion: string
  image: { file: string; sha256: string; size: number }
  julia: ImageMetadata['julia']
  cpuTarget: string
  cpu?: string
  juliaFlags?: readonly string[]
  mode: BuildMode
  base?: BaseReference
  imagePath: string
  packages: string[]
  workloads: string[]
  statementCounts: StatementCounts
  replay: ReplayReport
  objectSize: number
  peakMemory: number
  imageThreads?: number
  timings: Record<string, number>
  juliaProcessMs: number
  verification: Verification
  layers?: LayersMetadata
  now: Date
}

const round = (ms: number) => Math.round(ms)

/** Pure: assembles the metadata from what the stages measured. */
export function buildMetadata(parts: MetadataParts): ImageMetadata {
  const { verification: v, replay } = parts
  const measurement = measurementOf(v)
  return {
    schema: 1,
    tool: { name: 'julia-sysimage', version: parts.toolVersion },
    createdAt: parts.now.toISOString(),
    image: parts.image,
    julia: parts.julia,
    cpuTarget: parts.cpuTarget,
    ...(parts.juliaFlags?.length ? { juliaFlags: [...parts.juliaFlags] } : {}),
    ...(parts.cpu ? { cpu: parts.cpu } : {}),
    mode: parts.mode,
    ...(parts.base ? { base: parts.base } : {}),
    ...(parts.layers ? { layers: parts.layers } : {}),
    // a layered image's package-image layers load with it: the hook built into the image finds
    // them in the folder beside it
    juliaArgs: [`--sysimage=${parts.imagePath}`],
    project: {
      packages: parts.packages,
      packagesInImage: v.load.packagesInImage,
      addedFromWorkload: replay.added,
      // a report read back from a dependency image's saved facts may predate the field
      ...(replay.stdlibs?.length ? { heldForLaterSteps: replay.stdlibs } : {})
    },
    workloads: parts.workloads,
    statements: {
      traced: parts.statementCounts.read,
      unique: parts.statementCounts.unique,
      used: replay.used,
      skipped: {
        main: parts.statementCounts.main,
        malformed: parts.statementCounts.malformed + replay.unparsable,
        unresolvable: replay.unresolvable,
        failed: replay.failed
      },
      variants: {
        added: replay.variants.statements,
        used: replay.variants.used,
        skipped: replay.variants.skipped
      }
    },
    object: {
      size: parts.objectSize,
      peakMemory: parts.peakMemory,
      ...(parts.imageThreads !== undefined ? { imageThreads: parts.imageThreads } : {})
    },
    timings: Object.fromEntries(Object.entries(parts.timings).map(([k, ms]) => [k, round(ms)])),
    juliaProcessMs: round(parts.juliaProcessMs),
    measurement
  }
}
