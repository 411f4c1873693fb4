import { promises as fs } from 'node:fs'
import path from 'node:path'
import { ownSourceFolders, treeFiles } from '../../key-inputs.js'
import { isWithin } from '../../util/relative-name.js'
import type { JuliaProject } from '../project/index.js'
import type { LayerSplit } from './split.js'

/**
 * The checkout a project lies in: the nearest folder at or above it that holds `.git` (a folder,
 * or a file in a worktree or submodule), else the workspace (`GITHUB_WORKSPACE`) when the project
 * is inside it, else the project folder. A checkout gives all of it new mtimes at once, so the
 * source times of every own package inside it are worth putting back (a monorepo's `../lib/X`).
 */
export async function checkoutRoot(projectDir: string, env: NodeJS.ProcessEnv): Promise<string> {
  const start = path.resolve(projectDir)
  for (let dir = start; ; dir = path.dirname(dir)) {
    if (await fs.lstat(path.join(dir, '.git')).catch(() => undefined)) return dir
    if (path.dirname(dir) === dir) break
  }
  const workspace = env.GITHUB_WORKSPACE && path.resolve(env.GITHUB_WORKSPACE)
  return workspace && isWithin(workspace, start) ? workspace : start
}

/** The files below `root` (as the cache key walks them), relative to `base`. */
async function filesUnder(root: string, base: string): Promise<string[]> {
  return (await treeFiles(root)).map((rel) => path.relative(base, path.join(root, rel)))
}

/**
 * The source files of the own packages, relative to the checkout `base`: the project's `src/`
 * and `ext/` when it is a package, and the folders of its path packages inside the checkout (a
 * package outside it keeps its own times: nothing of it is ever touched).
 */
export async function ownSourceFiles(
  project: Pick<JuliaProject, 'dir' | 'ownPackage' | 'manifestFile'>,
  split: Pick<LayerSplit, 'entries' | 'ownUuids'>,
  base: string
): Promise<string[]> {
  const files: string[] = []
  if (project.ownPackage)
    for (const folder of ownSourceFolders)
      files.push(...(await filesUnder(path.join(project.dir, folder), base)))
  const manifestDir = project.manifestFile ? path.dirname(project.manifestFile) : project.dir
  for (const entry of split.entries) {
    if (entry.path === undefined || !split.ownUuids.has(entry.uuid)) continue
    const root = path.resolve(manifestDir, entry.path)
    // outside the checkout, or the project itself (Julia 1.12's Pkg lists it, `path = "."`):
    // its own sources are the src/ and ext/ above, not its whole folder
    if (!isWithin(base, root) || root === path.resolve(project.dir)) continue
    files.push(...(await filesUnder(root, base)))
  }
  return [...new Set(files)].sort()
}
