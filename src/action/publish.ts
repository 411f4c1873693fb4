import { promises as fs } from 'node:fs'
import path from 'node:path'
import type { ImageMetadata } from '../metadata.js'
import type { ArtifactStore, ArtifactUpload } from '../store/types.js'
import { sha256sumsText } from '../store/github-artifact.js'
import { sha256File } from '../util/hash.js'

/** Every file below `root/folder`, as paths relative to `root` with `/`. */
async function filesBelow(root: string, folder: string): Promise<string[]> {
  const entries = await fs.readdir(path.join(root, folder), {
    recursive: true,
    withFileTypes: true
  })
  return entries
    .filter((e) => e.isFile())
    .map((e) => path.relative(root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort()
}

/**
 * Uploads the image, its metadata, its launcher script, a layered image's layer folder and a
 * SHA256SUMS file as one artifact.
 * The files are staged under their published names in a folder of their own (the image
 * hard-linked where possible: it is hundreds of MB). The launcher finds the image beside itself,
 * so the downloaded files work as they are.
 */
export async function publishImage(
  store: ArtifactStore,
  name: string,
  image: string,
  metadataFile: string,
  metadata: ImageMetadata,
  tempDir: string,
  retentionDays: number | undefined,
  launcher?: string
): Promise<ArtifactUpload> {
  const staging = await fs.mkdtemp(path.join(tempDir, 'julia-sysimage-artifact-'))
  try {
    const imageName = path.basename(image)
    const metadataName = `${imageName}.json`
    const stagedImage = path.join(staging, imageName)
    await fs.link(image, stagedImage).catch(() => fs.copyFile(image, stagedImage))
    await fs.copyFile(metadataFile, path.join(staging, metadataName))
    const sums = [
      { file: imageName, sha256: metadata.image.sha256 },
      { file: metadataName, sha256: await sha256File(path.join(staging, metadataName)) }
    ]
    if (metadata.layers) {
      // the layer folder travels with the image: the launcher's hook and the package images
      const folder = metadata.layers.folder
      await fs.cp(path.join(path.dirname(image), folder), path.join(staging, folder), {
        recursive: true
      })
      for (const file of await filesBelow(staging, folder))
        sums.push({ file, sha256: await sha256File(path.join(staging, file)) })
    }
    if (launcher !== undefined) {
      const launcherName = path.basename(launcher)
      await fs.copyFile(launcher, path.join(staging, launcherName))
      sums.push({ file: launcherName, sha256: await sha256File(launcher) })
    }
    await fs.writeFile(path.join(staging, 'SHA256SUMS'), sha256sumsText(sums))
    const files = [...sums.map((s) => s.file), 'SHA256SUMS'].map((f) => path.join(staging, f))
    return await store.upload(name, files, staging, { retentionDays })
  } finally {
    await fs.rm(staging, { recursive: true, force: true })
  }
}
