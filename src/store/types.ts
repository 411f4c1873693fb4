/**
 * The two service boundaries of the action. Everything else runs for real everywhere; these
 * have a GitHub implementation (runner services) and a local one (CLI, tests).
 */

export type SaveOutcome = 'saved' | 'already-existed' | 'skipped'

/** A store of finished images keyed by content hash. */
export interface ImageCache {
  /** Where entries come from, for logs: "GitHub Actions cache", "local cache /path". */
  readonly description: string
  /**
   * Restores the entry saved under `key` into `dir` (which must be the same path given to
   * `save`). Resolves true on a hit, false on a miss; rejects when the service fails (the
   * caller turns that into a warning and builds).
   */
  restore(key: string, dir: string): Promise<boolean>
  /**
   * Whether an entry with exactly this key exists, without fetching it (`dir` as for `restore`).
   * Rejects when the service fails.
   */
  has(key: string, dir: string): Promise<boolean>
  /**
   * Saves the folder `dir` under `key` and says how that ended. An entry that already exists
   * under that key (another job of a matrix saved it first) is not an error; `skipped` means the
   * store does not accept writes here (a read-only cache mode). Rejects when the service fails.
   */
  save(key: string, dir: string): Promise<SaveOutcome>
  /**
   * Drops an entry that failed its checks, so the rebuilt image can take its place. Stores whose
   * entries are immutable (GitHub's) cannot; they say so and return false.
   */
  discard(key: string): Promise<boolean>
}

export interface ArtifactUpload {
  /** Artifact id from the service, when it reports one. */
  id?: number
  size?: number
}

/** Where finished images are published for later jobs and people (workflow artifacts). */
export interface ArtifactStore {
  upload(
    name: string,
    files: string[],
    rootDir: string,
    options: { retentionDays?: number }
  ): Promise<ArtifactUpload>
}
