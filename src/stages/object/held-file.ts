import { promises as fs } from 'node:fs'
import { heldPackages, type HeldPackage } from '../layers/held-packages.js'
import { readManifestEntries } from '../layers/split.js'
import { packagesOfFileText, type PackageRef } from '../project/index.js'

/**
 * Pure: the file the image's hook reads to warn of a version mix (julia/layer_hook.jl): one
 * "uuid<TAB>name<TAB>version<TAB>git-tree-sha1" line per package the image holds that the
 * manifest tracks by content. A stdlib or a path package has no tree hash: its content cannot be
 * compared at start-up, and it is left out.
 */
export function heldFileText(held: readonly HeldPackage[]): string {
  return held
    .filter((p) => p.treeHash !== undefined)
    .map((p) => `${p.uuid}\t${p.name}\t${p.version ?? ''}\t${p.treeHash}\n`)
    .join('')
}

/**
 * Writes the held-packages file of an image build: the packages loaded into it (the packages file
 * and, when the workload loaded more, the workload-modules file) as the manifest resolves them.
 */
export async function writeHeldFile(
  target: string,
  manifestFile: string | undefined,
  packageFiles: string[]
): Promise<void> {
  const refs: PackageRef[] = []
  for (const file of packageFiles)
    refs.push(...packagesOfFileText(await fs.readFile(file, 'utf8').catch(() => '')))
  const entries = await readManifestEntries(manifestFile)
  await fs.writeFile(target, heldFileText(heldPackages(refs, entries)))
}
