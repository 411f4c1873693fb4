import { atLeast, type JuliaVersion } from './julia/version.js'

const GiB = 1024 ** 3

/**
 * What one `--output-o` process needs before any LLVM emission thread is counted (the heap
 * serialisation peak: 2.0 GB measured for a small image on Julia 1.5.3), and what each emission
 * thread adds (its share of the partitioned module, optimised and emitted on its own; an estimate
 * from PackageCompiler #1093 — Julia < 1.10 has no threads, so it cannot be measured here).
 */
export const serialMemory = 2 * GiB
export const memoryPerThread = 1 * GiB

export interface ThreadChoice {
  /** JULIA_IMAGE_THREADS, or undefined where Julia has no parallel emission. */
  threads?: number
  /** For the log: why this number. */
  reason: string
}

/**
 * Pure: LLVM emission threads for the object build. An explicit `image-threads` wins. Otherwise
 * every logical CPU (Julia's own default is half of them, which leaves a CI runner idle), as many
 * as the free memory allows so that the build is not killed for memory, and at least one.
 */
export function chooseImageThreads(
  requested: number | undefined,
  version: JuliaVersion,
  cpus: number,
  freeMemory: number
): ThreadChoice {
  if (!atLeast(version, 1, 10)) {
    return { reason: 'Julia < 1.10 emits the image on one thread' }
  }
  if (requested !== undefined) return { threads: requested, reason: 'image-threads' }
  const byMemory = Math.floor((freeMemory - serialMemory) / memoryPerThread)
  const threads = Math.max(1, Math.min(cpus, byMemory))
  const gb = (freeMemory / GiB).toFixed(1)
  return {
    threads,
    reason:
      threads < cpus
        ? `${cpus} CPUs, but ${gb} GiB free memory allows ${threads}`
        : `${cpus} CPUs, ${gb} GiB free memory`
  }
}
