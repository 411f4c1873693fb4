import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'

/**
 * The scratch folders of one test suite: each made fresh under the system temp folder, all
 * removed by `remove()` (the suite's `after`), so no suite leaves builds or depots behind.
 */
export class ScratchFolders {
  private readonly made: string[] = []

  /** A new empty folder named `jsi-<what>-XXXXXX`. */
  async folder(what: string): Promise<string> {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), `jsi-${what}-`))
    this.made.push(dir)
    return dir
  }

  /** A new empty Julia depot. */
  depot(): Promise<string> {
    return this.folder('depot')
  }

  async remove(): Promise<void> {
    await Promise.all(this.made.map((dir) => fs.rm(dir, { recursive: true, force: true })))
    this.made.length = 0
  }
}
