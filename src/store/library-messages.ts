/**
 * @actions/cache catches most failures itself: it prints `Failed to restore: …` or
 * `Failed to save: …` through @actions/core and returns as if nothing was found or saved.
 * @actions/core writes those lines to process.stdout (as `::warning::…` workflow commands or
 * plain lines), so reading stdout while the call runs is the only way to tell "not found" from
 * "the service failed". The lines still reach the log unchanged.
 */

export interface LibraryMessage {
  level: 'debug' | 'info' | 'warning' | 'error'
  text: string
}

/** Parses one stdout line written by @actions/core; undefined for other workflow commands. */
export function parseLibraryLine(line: string): LibraryMessage | undefined {
  const command = /^::(\w[\w-]*)(?: [^:]*)?::(.*)$/.exec(line)
  if (!command) return line.trim() ? { level: 'info', text: line } : undefined
  const [, name, data] = command
  if (name !== 'debug' && name !== 'warning' && name !== 'error') return undefined
  // @actions/core escapes %, CR and LF in command data.
  const text = data.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%')
  return { level: name, text }
}

/**
 * The failures among the library's messages, joined: its warnings and errors, the
 * `Failed to save: …` it prints at info level when a reservation is refused, and the debug line
 * with the reason (v2 words every refused reservation as "another job may be creating this cache",
 * the service's answer is only in the debug log).
 */
export function problemsIn(messages: LibraryMessage[]): string {
  const problems = messages
    .filter(
      ({ level, text }) =>
        level === 'warning' ||
        level === 'error' ||
        (level === 'info' && text.startsWith('Failed to ')) ||
        (level === 'debug' && text.startsWith('Failed to reserve cache: '))
    )
    .map(({ text }) =>
      text
        .replace(/^Failed to (save|restore): /, '')
        .replace(/^Failed to reserve cache: (Error: )?/, '')
    )
  // The library often logs one error twice, once with context; keep the fuller one.
  return [...new Set(problems)]
    .filter((problem, _, all) => !all.some((other) => other !== problem && other.includes(problem)))
    .join('; ')
}

// Watches run one at a time: stdout is shared, and two overlapping watches could not tell
// whose lines are whose.
let queue: Promise<unknown> = Promise.resolve()

/** Runs `fn`, returning its result and the messages written to stdout meanwhile. */
export function watchLibraryMessages<T>(
  fn: () => Promise<T>
): Promise<{ result: T; messages: LibraryMessage[] }> {
  const run = queue.then(() => watch(fn))
  queue = run.catch(() => undefined)
  return run
}

async function watch<T>(fn: () => Promise<T>): Promise<{ result: T; messages: LibraryMessage[] }> {
  const messages: LibraryMessage[] = []
  let partial = ''
  let active = true
  const original = process.stdout.write
  const patched = function (this: NodeJS.WriteStream, chunk: unknown, ...rest: unknown[]) {
    if (active) {
      const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk as Uint8Array).toString()
      const lines = (partial + text).split(/\r?\n/)
      partial = lines.pop() ?? ''
      for (const line of lines) {
        const message = parseLibraryLine(line)
        if (message) messages.push(message)
      }
    }
    return (original as (...args: unknown[]) => boolean).call(this, chunk, ...rest)
  }
  process.stdout.write = patched as typeof process.stdout.write
  try {
    const result = await fn()
    return { result, messages }
  } finally {
    active = false
    // Someone may have wrapped stdout after us; then our (now inert) wrapper stays in their chain.
    if (process.stdout.write === patched) process.stdout.write = original
  }
}
