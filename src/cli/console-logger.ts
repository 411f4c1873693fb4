import type { Logger } from '../log.js'

/**
 * Progress for people at a terminal, on stderr so that stdout carries only results (the image
 * path), which scripts can capture: `image=$(julia-sysimage build ...)`.
 */
export function consoleLogger(
  write: (line: string) => void = (line) => process.stderr.write(`${line}\n`),
  debug = false
): Logger {
  return {
    info: (message) => write(`  ${message}`),
    warning: (message) => write(`  warning: ${message}`),
    debug: (message) => {
      if (debug) write(`  debug: ${message}`)
    },
    async stage(name, fn) {
      const started = performance.now()
      write(`▸ ${name}`)
      try {
        const result = await fn()
        write(`✓ ${name} ${((performance.now() - started) / 1000).toFixed(1)} s`)
        return result
      } catch (error) {
        write(`✗ ${name} failed after ${((performance.now() - started) / 1000).toFixed(1)} s`)
        throw error
      }
    }
  }
}
