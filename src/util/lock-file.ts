import { promises as fs } from 'node:fs'

const pollMs = 250

/** True when a process with this id runs on this machine (signal 0 only asks). */
export function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    // EPERM: it exists but belongs to another user
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * Takes the lock file `file` (created exclusively, holding this process's id), waiting while
 * another running process holds it; a lock left by a process that no longer runs is taken over.
 * Resolves to the function that releases it. Rejects after `timeoutMs`.
 */
export async function acquireLock(
  file: string,
  timeoutMs: number,
  onWait?: (holder: number) => void
): Promise<() => Promise<void>> {
  const deadline = Date.now() + timeoutMs
  let told = false
  for (;;) {
    try {
      const handle = await fs.open(file, 'wx')
      try {
        await handle.writeFile(String(process.pid))
      } finally {
        await handle.close()
      }
      return () => fs.rm(file, { force: true })
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error
    }
    const holder = Number((await fs.readFile(file, 'utf8').catch(() => '')).trim())
    if (Number.isInteger(holder) && holder > 0 && isRunning(holder)) {
      if (!told) onWait?.(holder)
      told = true
    } else {
      // left behind by a process that died; an empty file is one being written, unless it has
      // stayed empty for a while (its writer died between creating and writing it)
      const stat = await fs.stat(file).catch(() => undefined)
      if (!stat) continue
      if (holder || Date.now() - stat.mtimeMs > 10_000) {
        await fs.rm(file, { force: true })
        continue
      }
    }
    if (Date.now() > deadline) {
      throw new Error(`${file} is still held by process ${holder || '(unknown)'}`)
    }
    await new Promise((resolve) => setTimeout(resolve, pollMs))
  }
}
