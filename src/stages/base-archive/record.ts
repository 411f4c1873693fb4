/**
 * Pure: the layout of a base archive entry (chained mode). An entry holds the regenerated object
 * archive of Julia's base image, the image linked from exactly that archive, and a small record
 * that ties them together; chained images are built against that image and linked with the
 * archive's `text.o`.
 */

/** Where a chained image came from, recorded in its metadata. */
export interface BaseReference {
  /** The base archive's cache key. */
  key: string
  /** sha256 of the base image the chained build ran on. */
  imageSha256: string
}

/** The record stored beside the archive and image. */
export interface BaseRecord {
  schema: 1
  key: string
  julia: string
  cpuTarget: string
  archive: { file: string; sha256: string; size: number }
  image: { file: string; sha256: string; size: number }
  createdAt: string
}

export const baseArchiveFile = 'sys-o.a'
export const baseRecordFile = 'base.json'
export function baseImageFile(dlext: string): string {
  return `sys.${dlext}`
}

/** Pure: why a restored base entry cannot be used, or undefined when its record fits. */
export function baseRecordProblem(
  record: unknown,
  expected: { key: string; julia: string; dlext: string }
): string | undefined {
  const r = record as Partial<BaseRecord> | undefined
  if (!r || r.schema !== 1) return 'its record is not a base record'
  if (r.key !== expected.key) return `its record belongs to ${String(r.key)}`
  if (r.julia !== expected.julia) return `it was built with Julia ${String(r.julia)}`
  if (r.archive?.file !== baseArchiveFile || r.image?.file !== baseImageFile(expected.dlext))
    return 'its record names other files'
  if (
    !/^[0-9a-f]{64}$/.test(r.archive.sha256 ?? '') ||
    !/^[0-9a-f]{64}$/.test(r.image.sha256 ?? '')
  )
    return 'its record has no checksums'
  return undefined
}
