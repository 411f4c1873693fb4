/**
 * Runs `fn` with everything written to process.stdout sent to stderr instead, so that a command
 * whose stdout is its result (a path) stays clean while libraries report progress.
 *
 * Needed because @actions/tool-cache and @actions/core print to stdout directly: `core.debug`
 * writes `::debug::…` workflow commands and the retry loop writes its notices. Outside Actions
 * the `::debug::` lines mean nothing and are dropped unless `keepDebug`.
 *
 * It diverts every stdout write of the process while `fn` runs, so use it only in a CLI process
 * whose stdout is its own (not, e.g., inside node's test runner, which reports over stdout).
 */
export async function withStdoutOnStderr<T>(fn: () => Promise<T>, keepDebug = false): Promise<T> {
  const original = process.stdout.write
  const redirect = (chunk: unknown, ...rest: unknown[]): boolean => {
    const callback = rest.find((arg) => typeof arg === 'function') as (() => void) | undefined
    const text =
      typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString('utf8')
    if (!keepDebug && text.startsWith('::debug::')) {
      callback?.()
      return true
    }
    return process.stderr.write(text, callback)
  }
  process.stdout.write = redirect as typeof process.stdout.write
  try {
    return await fn()
  } finally {
    process.stdout.write = original
  }
}
