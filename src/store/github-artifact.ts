import { DefaultArtifactClient } from '@actions/artifact'
import { errorMessage } from '../errors.js'
import { validateArtifactName } from './artifact-files.js'
import type { ArtifactStore, ArtifactUpload } from './types.js'

export { sha256sumsText, validateArtifactName } from './artifact-files.js'

/**
 * Workflow artifacts through @actions/artifact: the files are zipped (paths relative to
 * `rootDir`) and uploaded as one artifact of the current run.
 */
export class GitHubArtifactStore implements ArtifactStore {
  async upload(
    name: string,
    files: string[],
    rootDir: string,
    options: { retentionDays?: number }
  ): Promise<ArtifactUpload> {
    validateArtifactName(name)
    // Without a retention the repository's default applies; the library clamps larger values
    // to the repository's maximum with a warning.
    const retention = options.retentionDays ? { retentionDays: options.retentionDays } : {}
    try {
      const { id, size } = await new DefaultArtifactClient().uploadArtifact(
        name,
        files,
        rootDir,
        retention
      )
      return { id, size }
    } catch (error) {
      throw new Error(`uploading artifact ${name} failed: ${errorMessage(error)}`, { cause: error })
    }
  }
}
