import type { Logger } from './log.js'

/** Runs named stages through the logger and records each one's wall time in milliseconds. */
export class StageTimer {
  readonly timings: Record<string, number> = {}

  constructor(private readonly log: Logger) {}

  async stage<T>(name: string, fn: () => Promise<T>): Promise<T> {
    const started = performance.now()
    try {
      return await this.log.stage(name, fn)
    } finally {
      this.timings[name] = performance.now() - started
    }
  }
}
