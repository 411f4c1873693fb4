import type { Logger } from '../../src/log.js'

/** A Logger that keeps every line (`info: …`, `warning: …`, `debug: …`) for assertions. */
export interface RecordingLogger extends Logger {
  lines: string[]
}

export function recordingLogger(): RecordingLogger {
  const lines: string[] = []
  return {
    lines,
    info: (message) => lines.push(`info: ${message}`),
    warning: (message) => lines.push(`warning: ${message}`),
    debug: (message) => lines.push(`debug: ${message}`),
    stage: (_name, fn) => fn()
  }
}
