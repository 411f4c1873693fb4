import { promises as fs } from 'node:fs'
import { which } from '@actions/io'
import { UserError } from '../errors.js'

/** An explicit Julia executable, else the `julia` on PATH. */
export async function locateJulia(explicit?: string): Promise<string> {
  if (explicit) {
    const ok = await fs.stat(explicit).then((s) => s.isFile(), () => false)
    if (!ok) {
      throw new UserError('julia', `${explicit} does not exist`, 'Pass the path of the julia executable (…/bin/julia)')
    }
    return explicit
  }
  const found = await which('julia', false)
  if (!found) {
    throw new UserError('julia', 'no Julia found on PATH', 'Install Julia, pass its path with --julia PATH, or pass --version SPEC to install one')
  }
  return found
}
