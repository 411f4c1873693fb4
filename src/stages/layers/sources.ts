import path from 'node:path'
import { ownSourceFolders, treeFiles } from '../../key-inputs.js'
import type { JuliaProject } from '../project/index.js'
import { readManifestEntries, type LayerSplit } from './split.js'

/** The files below `root` (as the cache key walks them), relative to `base`. */
async function filesUnder(root: string, base: string): Promise<string[]> {
  return (await treeFiles(root)).map((rel) => path.relative(base, path.join(root, rel)))
}

/**
 * The source files of the own packages, relative to the project folder: the project's `src/` and
 * `ext/` when it is a package, and the folders of its path packages that lie inside the project
 * (a checkout restores those; a package elsewhere keeps its own times).
 */
export async function ownSourceFiles(project: JuliaProject, split: LayerSplit): Promise<string[]> {
  const files: string[] = []
  if (project.ownPackage)
    for (const folder of ownSourceFolders)
      files.push(...(await filesUnder(path.join(project.dir, folder), project.dir)))
  const manifestDir = project.manifestFile ? path.dirname(project.manifestFile) : project.dir
  for (const entry of await readManifestEntries(project.manifestFile)) {
    if (entry.path === undefined || !split.ownUuids.has(entry.uuid)) continue
    const root = path.resolve(manifestDir, entry.path)
    // outside the project, or the project itself (Julia 1.12's Pkg lists it, `path = "."`):
    // its own sources are the src/ and ext/ above, not its whole folder
    if (path.relative(project.dir, root).startsWith('..') || root === path.resolve(project.dir))
      continue
    files.push(...(await filesUnder(root, project.dir)))
  }
  return [...new Set(files)].sort()
}
