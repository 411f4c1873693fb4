import { promises as fs } from 'node:fs'
import path from 'node:path'
import { sha256File } from '../../util/hash.js'
import { isRelativeInside } from '../../util/relative-name.js'

/**
 * Source modification times for Julia 1.10, whose package images record the mtime of every
 * source file they include and are stale when one differs (base/loading.jl `stale_cachefile`,
 * 1.10). A fresh checkout gives every file a new mtime, so a restored own-package image would be
 * rebuilt on every CI run. The build records each source file's content hash and mtime; after a
 * restore, a file whose content is unchanged gets its recorded mtime back, cut to whole seconds:
 * 1.10 accepts `mtime == floor(recorded)` (the tolerance for file systems that drop fractions,
 * Julia issue #13606), and whole seconds are exact in every API on the way. A file whose content
 * changed is never touched, so Julia sees it as changed and rebuilds. Julia ≥ 1.11 checks content
 * hashes instead (JuliaLang/julia#49866), so nothing is needed there.
 */
export interface SourceTime {
  /** Path relative to the project folder, with `/`. */
  file: string
  sha256: string
  /** The mtime as Julia computes it: seconds + nanoseconds × 1e-9, as a double. */
  mtime: number
}

/** The mtime of `file` as Julia reads it (`jl_stat_mtime`: tv_sec + tv_nsec * 1e-9). */
async function juliaMtime(file: string): Promise<number> {
  const stat = await fs.stat(file, { bigint: true })
  const seconds = stat.mtimeNs / 1_000_000_000n
  const nanos = stat.mtimeNs % 1_000_000_000n
  return Number(seconds) + Number(nanos) * 1e-9
}

/** Records every file under `roots` (folders or files, relative to `base`). */
export async function recordSourceTimes(base: string, files: string[]): Promise<SourceTime[]> {
  const record: SourceTime[] = []
  for (const file of files) {
    const full = path.join(base, file)
    record.push({
      file: file.split(path.sep).join('/'),
      sha256: await sha256File(full),
      mtime: await juliaMtime(full)
    })
  }
  return record
}

export interface RestoredTimes {
  /** Files whose recorded mtime was put back (content unchanged, mtime different). */
  restored: string[]
  /** Files left alone because their content changed (or they are gone). */
  changed: string[]
  /** Recorded names that point outside `base` (absolute, `..`): a cache entry never reaches there. */
  refused: string[]
}

/**
 * Puts recorded mtimes back on the unchanged regular files under `base` (the checkout). Names
 * come from a cache entry, which anyone who can write the cache controls: one that leaves `base`
 * is refused, and a link is never followed.
 */
export async function restoreSourceTimes(
  base: string,
  record: SourceTime[]
): Promise<RestoredTimes> {
  const result: RestoredTimes = { restored: [], changed: [], refused: [] }
  for (const entry of record) {
    if (typeof entry.file !== 'string' || !isRelativeInside(entry.file)) {
      result.refused.push(String(entry.file))
      continue
    }
    const full = path.join(base, ...entry.file.split('/'))
    const isFile = (await fs.lstat(full).catch(() => undefined))?.isFile() ?? false
    const sha256 = isFile ? await sha256File(full).catch(() => undefined) : undefined
    if (sha256 !== entry.sha256) {
      result.changed.push(entry.file)
      continue
    }
    const now = await juliaMtime(full)
    const wanted = Math.floor(entry.mtime)
    if (now === entry.mtime || now === wanted) continue
    const stat = await fs.stat(full)
    await fs.utimes(full, stat.atime, wanted)
    result.restored.push(entry.file)
  }
  return result
}
