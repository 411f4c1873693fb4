import path from 'node:path'
import type { ImageMetadata } from '../metadata.js'

/**
 * Pure: every path a build's result is made of, for the `files` output: the image, its metadata,
 * its launcher and, for a layered image, its layer folder (one entry, a folder: the image needs
 * it beside itself). A workflow copies or attaches these without knowing which mode ran.
 */
export function resultFiles(
  result: { image: string; metadataFile: string; metadata: Pick<ImageMetadata, 'layers'> },
  launcher: string
): string[] {
  const files = [result.image, result.metadataFile, launcher]
  const folder = result.metadata.layers?.folder
  if (folder !== undefined) files.push(path.join(path.dirname(result.image), folder))
  return files
}
