import type { ImageMetadata } from '../../src/metadata.js'

/**
 * One line of the figures a test build produced, for the test's diagnostics (and so for the
 * README's per-fixture table): object time, peak memory, image size, statements, residuals.
 */
export function buildFigures(metadata: ImageMetadata): string {
  const mb = (bytes: number) => `${(bytes / 1e6).toFixed(1)} MB`
  const m = metadata.measurement
  return [
    `Julia ${metadata.julia.version}`,
    `object ${((metadata.timings.object ?? 0) / 1000).toFixed(1)} s`,
    `peak ${(metadata.object.peakMemory / 1e9).toFixed(2)} GB`,
    `threads ${metadata.object.imageThreads ?? '-'}`,
    `object ${mb(metadata.object.size)}`,
    `image ${mb(metadata.image.size)}`,
    `used ${metadata.statements.used}`,
    m?.residualByStdout
      ? `residual pipe ${m.residualByStdout.pipe}, file ${m.residualByStdout.file}`
      : 'not measured',
    m ? `first work ${m.without.workMs} → ${m.with.workMs} ms` : ''
  ]
    .filter(Boolean)
    .join('; ')
}
