import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ownSourceFolders } from '../../key-inputs.js'
import type { JuliaProject } from '../project/index.js'
import { readManifestEntries, type LayerSplit } from './split.js'

async function filesUnder(root: string, base: string): Promise<string[]> {
  const entries = await fs.readdir(root, { recursive: true, withFileTypes: true }).catch(() => [])
  return entries
    .filter(
      (e) =>
        e.isFile() &&
        !path
          .relative(base, path.join(e.parentPath, e.name))
          .split(path.sep)
          .some((part) => part.startsWith('.'))
    )
    .map((e) => path.relative(base, path.join(e.parentPath, e.name)))
    .sort()
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
    if (path.relative(project.dir, root).startsWith('..')) continue
    files.push(...(await filesUnder(root, project.dir)))
  }
  return [...new Set(files)].sort()
}
