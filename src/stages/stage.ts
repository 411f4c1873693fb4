import type { JuliaInfo } from '../julia/probe.js'
import type { Logger } from '../log.js'
import { defaultBuildTimeoutMinutes, type BuildRequest } from '../request.js'
import type { ImageCache } from '../store/types.js'
import type { BuildMode } from '../request.js'
import type { JuliaProject } from './project/project.js'

/** What `prepareBuild` settled before the stages run: the inputs every stage reads. */
export interface PreparedBuild {
  request: BuildRequest
  project: JuliaProject
  julia: JuliaInfo
  /** The resolved `--cpu-target` string. */
  cpuTarget: string
  /** The CPU a `native` image is compiled for (cpu-identity.ts); undefined for explicit targets. */
  cpu?: string
  /** True once the project was instantiated (not precompiled) for this run: runBuild does it before keying. */
  instantiated?: boolean
  /** `auto` resolved against what the Julia can do. */
  mode: BuildMode
  /** JULIA_IMAGE_THREADS for the output processes; undefined on Julia < 1.10. */
  imageThreads?: number
  /** Absolute path of the image to produce. */
  output: string
}

/** One build's surroundings, the same for every stage of it. */
export interface StageContext {
  prepared: PreparedBuild
  log: Logger
  cache?: ImageCache
  /** This build's scratch folder, and a file in it. */
  workDir: string
  work(name: string): string
  /** Where the image is linked before it is verified and moved to `output`. */
  partialImage: string
}

/**
 * A stage of a build: what it is timed and logged under, the work (planning it, running Julia or
 * a tool, logging what came out) and what of its output goes into the image's metadata. `In` is
 * what it needs from earlier stages, `Out` what it hands on.
 */
export interface Stage<In, Out, Facts extends object = object> {
  name(prepared: PreparedBuild): string
  run(ctx: StageContext, input: In): Promise<Out>
  /** The metadata fields this stage's output fills. */
  facts?(output: Out): Facts
}

/** The workload time limit of the request, in milliseconds. */
export function workloadTimeoutMs(request: BuildRequest): number | undefined {
  return request.workloadTimeoutMinutes === undefined
    ? undefined
    : request.workloadTimeoutMinutes * 60_000
}

/** The `--output-o` processes' time limit: `build-timeout`, else the default, in milliseconds. */
export function buildTimeoutMs(request: BuildRequest): number {
  return (request.buildTimeoutMinutes ?? defaultBuildTimeoutMinutes) * 60_000
}
