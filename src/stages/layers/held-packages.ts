import type { PackageRef } from '../project/index.js'
import type { ManifestEntry } from './split.js'

/**
 * The packages a dependency image holds, as the manifest resolved them when it was built. Kept in
 * the image's cache entry: a module in a system image hides the manifest's version of that
 * package for good (Julia never loads a second copy), so a restored image is used only while the
 * manifest still resolves every one of them to the same content.
 */
export interface HeldPackage {
  uuid: string
  name: string
  version?: string
  /** `git-tree-sha1`; none for a stdlib, or for a package the manifest did not list. */
  treeHash?: string
}

/** Pure: the packages in the image (its packages and the modules its build loaded) by the manifest. */
export function heldPackages(
  packages: readonly PackageRef[],
  entries: readonly ManifestEntry[]
): HeldPackage[] {
  const byUuid = new Map(entries.map((e) => [e.uuid, e]))
  const held = new Map<string, HeldPackage>()
  for (const p of packages) {
    const uuid = p.uuid.toLowerCase()
    const entry = byUuid.get(uuid)
    held.set(uuid, {
      uuid,
      name: p.name,
      ...(entry?.version !== undefined ? { version: entry.version } : {}),
      ...(entry?.treeHash !== undefined ? { treeHash: entry.treeHash } : {})
    })
  }
  return [...held.values()].sort((a, b) => a.uuid.localeCompare(b.uuid))
}

/**
 * Pure: why the manifest no longer gives the packages an image holds, or undefined when it still
 * does. Content is compared by tree hash; a package without one on either side is a stdlib or
 * came from outside the manifest, and its code is fixed by the Julia build (which the key holds),
 * unless the manifest now tracks it by content or by path.
 */
export function heldPackagesMismatch(
  held: readonly HeldPackage[],
  entries: readonly ManifestEntry[]
): string | undefined {
  const byUuid = new Map(entries.map((e) => [e.uuid, e]))
  const changed: string[] = []
  for (const p of held) {
    const now = byUuid.get(p.uuid)
    const was = `${p.name} ${p.version ?? ''}`.trim()
    if (now?.path !== undefined) changed.push(`${was} (now developed at ${now.path})`)
    else if (now?.treeHash !== p.treeHash)
      changed.push(
        now
          ? `${was} (the manifest now has ${now.version ?? 'tree'} ${now.treeHash ?? 'without a tree hash'})`
          : `${was} (no longer in the manifest)`
      )
  }
  if (changed.length === 0) return undefined
  return `it holds packages the manifest now resolves differently: ${changed.join(', ')}`
}
