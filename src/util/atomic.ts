import { randomBytes } from 'node:crypto'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { isRunning } from './lock-file.js'

/**
 * A path beside `target` (same directory, so same filesystem) to build into before an atomic
 * rename. The name starts with a dot so a half-written file is never mistaken for the result.
 */
export function tempPathBeside(target: string): string {
  const suffix = `${process.pid}-${randomBytes(4).toString('hex')}`
  return path.join(path.dirname(target), `.${path.basename(target)}.tmp-${suffix}`)
}

/**
 * Writes `data` to `target` through a temporary file and a rename: readers see all or nothing.
 * With `mode` (0o755 for a script), the file gets exactly that mode, whatever the umask.
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array,
  mode?: number
): Promise<void> {
  const temp = tempPathBeside(target)
  try {
    await fs.writeFile(temp, data, mode === undefined ? undefined : { mode })
    if (mode !== undefined) await fs.chmod(temp, mode) // the umask may have removed bits
    await fs.rename(temp, target)
  } catch (error) {
    await fs.rm(temp, { force: true })
    throw error
  }
}

/**
 * Removes the temporary files beside `target` (see `tempPathBeside`) whose writer no longer runs:
 * what a killed build left (a partial image is hundreds of MB). Another live build's are kept.
 */
export async function removeLeftoverTemps(target: string): Promise<string[]> {
  const prefix = `.${path.basename(target)}.tmp-`
  const names = await fs.readdir(path.dirname(target)).catch(() => [] as string[])
  const left = names.filter((name) => {
    const pid = /^(\d+)-[0-9a-f]+$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '')
    return pid !== null && !isRunning(Number(pid[1]))
  })
  for (const name of left) await fs.rm(path.join(path.dirname(target), name), { force: true })
  return left
}
