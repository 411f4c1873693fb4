import { promises as fs } from 'node:fs'
import path from 'node:path'
import { run } from '../../util/process.js'
import { tarEntries, unsafeTarEntry } from './tar-entries.js'

/**
 * Layer cache entries are tarballs of parts of the layer folder: a package image is a folder of
 * files, and a tarball keeps their modification times, which Julia 1.10 checks for the workload
 * package's sources. `tar` is on every GitHub runner (GNU tar on Linux, bsdtar on macOS and
 * Windows); both read and write the POSIX format used here.
 */
export async function packFolders(
  root: string,
  relative: string[],
  tarball: string
): Promise<void> {
  const present: string[] = []
  for (const rel of relative) {
    if (await fs.stat(path.join(root, rel)).catch(() => undefined)) present.push(rel)
  }
  const result = await run('tar', ['-cf', tarball, '-C', root, '--', ...present], {})
  if (result.code !== 0) throw new Error(`tar could not pack ${root}: ${result.stderr.trim()}`)
}

/**
 * Unpacks a layer tarball into `root`, replacing what it holds; first checks every entry (see
 * tar-entries.ts), and owners are never taken from the tarball.
 */
export async function unpackFolders(tarball: string, root: string): Promise<void> {
  const unsafe = unsafeTarEntry(await tarEntries(tarball))
  if (unsafe) throw new Error(`it holds ${unsafe}`)
  await fs.mkdir(root, { recursive: true })
  const result = await run('tar', ['-xf', tarball, '--no-same-owner', '-C', root], {})
  if (result.code !== 0) throw new Error(`tar could not unpack ${tarball}: ${result.stderr.trim()}`)
}
