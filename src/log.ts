/**
 * Where the engine reports progress. The CLI prints plain lines; the action maps these onto
 * `@actions/core` (groups, warnings, annotations). The engine never imports either directly.
 */
export interface Logger {
  info(message: string): void
  warning(message: string): void
  debug(message: string): void
  /** Runs `fn` as one named stage; implementations report the stage's duration. */
  stage<T>(name: string, fn: () => Promise<T>): Promise<T>
}

/** A logger that records nothing; for tests of code that only needs the interface. */
export const silentLogger: Logger = {
  info: () => undefined,
  warning: () => undefined,
  debug: () => undefined,
  stage: (_name, fn) => fn()
}
