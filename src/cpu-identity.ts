import { createHash } from 'node:crypto'
import { promises as fs } from 'node:fs'
import os from 'node:os'

/**
 * Pure: true when the target list compiles for the machine it is built on, i.e. one of its
 * `;`-separated targets is named `native` (features may follow after a comma).
 */
export function targetsHost(cpuTarget: string): boolean {
  return cpuTarget.split(';').some((target) => target.split(',')[0].trim() === 'native')
}

/**
 * Pure: which CPU an image built with `cpuTarget` is compiled for, as it goes into the cache key
 * and the metadata; undefined when the target names its CPUs itself (an explicit list or
 * `portable`), so the image is the same on every host.
 *
 * For `native` this is Julia's `Sys.CPU_NAME` (the LLVM name of the host's model, `znver3`,
 * `icelake-server`): GitHub's runners of one label mix AMD and Intel models, and an image built
 * for one does not load on the other, so another model must be another key (a miss), never an
 * entry that is restored and then rejected. When Julia's LLVM does not know the model it says
 * `generic` and compiles for the host's feature set instead, so then the features decide:
 * `generic+<digest of the sorted feature list>`.
 */
export function compiledCpu(
  cpuTarget: string,
  cpuName: string,
  hostFeatures: readonly string[]
): string | undefined {
  if (!targetsHost(cpuTarget)) return undefined
  const name = cpuName.trim() || 'generic'
  if (name !== 'generic') return name
  const features = [...new Set(hostFeatures)].sort().join(' ')
  return `generic+${createHash('sha256').update(features).digest('hex').slice(0, 16)}`
}

/** Pure: the feature flags of the first CPU in a Linux `/proc/cpuinfo` (x86 `flags`, ARM `Features`). */
export function featuresOfCpuinfo(text: string): string[] {
  const line = /^(?:flags|Features)\s*:(.*)$/m.exec(text)
  return line ? line[1].trim().split(/\s+/).filter(Boolean) : []
}

/**
 * The host CPU's feature set, for when Julia cannot name the model. On Linux the kernel's flag
 * list (`/proc/cpuinfo`) is what LLVM's own host detection sees, and it differs between the CPU
 * families a runner label mixes. `generic` comes from distribution builds whose LLVM predates
 * the CPU, which are a Linux matter; elsewhere (official macOS and Windows builds name their
 * CPUs) the model string Node reports stands in, which separates those families as well.
 */
export async function hostCpuFeatures(): Promise<string[]> {
  if (process.platform === 'linux') {
    const text = await fs.readFile('/proc/cpuinfo', 'utf8').catch(() => '')
    const features = featuresOfCpuinfo(text)
    if (features.length > 0) return features
  }
  const model = os.cpus()[0]?.model ?? ''
  return model ? [`model:${model.trim()}`] : []
}
