/**
 * Pure handling of `precompile(...)` statements: what `--trace-compile` writes and what users put
 * in extra statement files. Julia does the last check (names that do not resolve in the build
 * process); everything decidable from the text alone is decided here.
 */

export interface StatementCounts {
  /** Non-comment lines read, duplicates included. */
  read: number
  /** Distinct usable statements passed on to the build. */
  unique: number
  /** Bound to the workload script's own definitions (`Main.`): no image can hold them. */
  main: number
  /** Not a well-formed `precompile(...)` call. */
  malformed: number
}

export interface FilteredStatements {
  statements: string[]
  counts: StatementCounts
}

// Julia 1.12 can prefix a timing comment (`#= 12.3 ms =# precompile(...)`) and suffix a note
// (`precompile(...) # recompile`).
const leadingComment = /^#=.*?=#\s*/
const trailingComment = /^(precompile\(.*\))\s*#[^)"]*$/

/** The statement without Julia's annotations, or null for a comment or blank line. */
export function normalizeStatement(line: string): string | null {
  let text = line.trim()
  if (text === '') return null
  text = text.replace(leadingComment, '')
  if (text === '' || text.startsWith('#')) return null
  const annotated = trailingComment.exec(text)
  return annotated ? annotated[1] : text
}

/**
 * True when brackets are balanced outside string literals and the text is one
 * `precompile(...)` call. Strings matter: closure names print as `var"#1#2"`.
 */
export function isWellFormed(statement: string): boolean {
  if (!statement.startsWith('precompile(') || !statement.endsWith(')')) return false
  const closers: Record<string, string> = { '(': ')', '{': '}', '[': ']' }
  const stack: string[] = []
  let inString = false
  for (let i = 0; i < statement.length; i++) {
    const c = statement[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') inString = false
      continue
    }
    if (c === '"') inString = true
    else if (c in closers) stack.push(closers[c])
    else if (c === ')' || c === '}' || c === ']') {
      if (stack.pop() !== c) return false
      // the outer call must close only at the very end
      if (stack.length === 0 && i !== statement.length - 1) return false
    }
  }
  return !inString && stack.length === 0
}

/** `Main.` as a module qualifier, not as part of a longer name (`MyMain.x`, `Base.Main`). */
const mainQualified = /(?<![\w.!])Main\./

export function isMainBound(statement: string): boolean {
  return mainQualified.test(statement)
}

/** Merges statement sources in order, drops what cannot go into an image, removes duplicates. */
export function filterStatements(sources: readonly string[]): FilteredStatements {
  const counts: StatementCounts = { read: 0, unique: 0, main: 0, malformed: 0 }
  const seen = new Set<string>()
  const statements: string[] = []
  for (const source of sources) {
    for (const line of source.split(/\r?\n/)) {
      const statement = normalizeStatement(line)
      if (statement === null) continue
      counts.read++
      if (seen.has(statement)) continue
      seen.add(statement)
      if (!isWellFormed(statement)) counts.malformed++
      else if (isMainBound(statement)) counts.main++
      else statements.push(statement)
    }
  }
  counts.unique = statements.length
  return { statements, counts }
}
