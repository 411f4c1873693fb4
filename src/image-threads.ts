import { atLeast, type JuliaVersion } from './julia/version.js'

const GiB = 1024 ** 3

/**
 * Peak memory of an `--output-o` process, as measured and recorded in every image's metadata
 * (`object.peakMemory` with `object.imageThreads`), read as "serial part + per emission thread":
 * - Julia 1.5.3 (one emission thread): 2.0–2.2 GB for the smallest example and a 450-statement
 *   project alike;
 * - Julia 1.10.8, the `shapes` example: 4.9 GB with 2 image threads;
 * - Julia 1.12.6, `shapes` with Pkg and Test in the image (later-step-stdlibs.ts): 5.5 GB with
 *   1 thread, 6.7 GB with 2: 1.2 GB per thread, 4.3 GB serial. Without Pkg it was 4.5 GB with 2.
 * The serial part grows with what the image holds (Pkg and the stdlibs under it add ~2 GB, which
 * Julia 1.10's own image holds already, 1.11's not); the per-thread part stayed 1.2 GB. A
 * DataFrames + CSV project on 1.10 peaked at 6.1 GB with 2 threads: a large project needs more
 * than these floors, which are the least any image needs.
 */
export function serialMemory(version: JuliaVersion): number {
  if (atLeast(version, 1, 11)) return 4.3 * GiB
  if (atLeast(version, 1, 10)) return 2.5 * GiB
  return 2.2 * GiB
}
export const memoryPerThread = 1.2 * GiB

export interface ThreadChoice {
  /** JULIA_IMAGE_THREADS, or undefined where Julia has no parallel emission. */
  threads?: number
  /** For the log: which rule chose this number. */
  reason: string
}

/**
 * Pure: Julia's own default for JULIA_IMAGE_THREADS (src/aotcompile.cpp of 1.10–1.12,
 * `compute_image_thread_count`): half the CPU threads, at least one. (It also lowers the count for
 * small modules, which is never the case for a whole system image.)
 */
export function juliaDefaultImageThreads(cpus: number): number {
  return Math.max(1, Math.floor(cpus / 2))
}

/**
 * Pure: LLVM emission threads for the object build. An explicit `image-threads` wins. Otherwise as
 * many CPUs as the measured memory per thread lets the available memory hold (a build killed for
 * memory costs far more than a slower one); when memory is too short even for Julia's own default,
 * never more than that default, and at least one.
 */
export function chooseImageThreads(
  requested: number | undefined,
  version: JuliaVersion,
  cpus: number,
  availableMemory: number
): ThreadChoice {
  if (!atLeast(version, 1, 10)) {
    return { reason: 'Julia < 1.10 emits the image on one thread' }
  }
  if (requested !== undefined) return { threads: requested, reason: 'set by image-threads' }
  const juliaDefault = juliaDefaultImageThreads(cpus)
  const serial = serialMemory(version)
  const fits = Math.floor((availableMemory - serial) / memoryPerThread)
  const gb = (availableMemory / GiB).toFixed(1)
  const model = `${(serial / GiB).toFixed(1)} GB + ${(memoryPerThread / GiB).toFixed(1)} GB per thread`
  if (fits >= cpus) {
    return {
      threads: cpus,
      reason: `every CPU (${cpus}): ${gb} GiB available holds ${model}`
    }
  }
  if (fits >= juliaDefault) {
    return {
      threads: fits,
      reason: `${fits} of ${cpus} CPUs: what ${gb} GiB available holds at ${model}`
    }
  }
  const threads = Math.max(1, fits)
  return {
    threads,
    reason: `memory is short (${gb} GiB available, ${model}): ${threads}, not Julia's default of ${juliaDefault}`
  }
}

/**
 * Memory the object build can count on: free memory, capped by the process's cgroup limit
 * where Node knows one (containers report the host's free memory otherwise).
 */
export function availableMemory(freeMemory: number, constrainedMemory: number | undefined): number {
  return constrainedMemory && constrainedMemory > 0
    ? Math.min(freeMemory, constrainedMemory)
    : freeMemory
}
