/**
 * Pure generation of stdout variants: a traced statement specialised on the type of a standard
 * stream is also replayed with the other stream types in its place.
 *
 * Julia compiles `println(stdout, x)`, `report(stdout, data)`, the REPL's display and the default
 * logger for the concrete type of the stream they are handed, and that type depends on where the
 * process's stdout, stderr and stdin point: a pipe is `Base.PipeEndpoint`, a file (or /dev/null)
 * `Base.IOStream`, a terminal `Base.TTY` (libuv's guess of the handle type, `Base.reinit_stdio`
 * in base/stream.jl, same from 1.5 to 1.13). The trace only ever sees one of them, so the image
 * would hold only that one's methods. `Base.DevNull` (the type of `devnull`, base/coreio.jl;
 * Julia 1.0's sources call it `DevNullStream`, Julia 1.5.3 — the oldest this tool supports —
 * already `DevNull`) is included because code writes to `devnull` to silence output.
 *
 * Code also wraps a stream in an `IOContext` (`IOContext(stdout, :compact => true)`, `display`;
 * and on Julia 1.10, measured, `--color=no` alone makes stdout an `IOContext{Base.PipeEndpoint}`),
 * so `IOContext{T}` of each stream type is a form of its own.
 *
 * `--trace-compile` prints types with `jl_static_show` (src/rtutils.c), which qualifies every
 * type outside Core with its module: `Base.PipeEndpoint`, `Base.IOContext{Base.PipeEndpoint}`
 * on 1.5 and on 1.10+. Unqualified spellings (hand-written statement files) are recognised too;
 * variants are always written qualified, which is what the replay resolves.
 */

const streamTypes = ['PipeEndpoint', 'TTY', 'IOStream', 'DevNull'] as const

/** The eight forms a stream position can take: each type, bare and wrapped in an IOContext. */
export const bareStreamForms: readonly string[] = streamTypes.map((t) => `Base.${t}`)
export const allStreamForms: readonly string[] = [
  ...bareStreamForms,
  ...bareStreamForms.map((t) => `Base.IOContext{${t}}`)
]

/**
 * The most variants one statement may get. With 8 forms per position, one or two positions stay
 * under it (7 or 63 variants); three positions, as in the REPL terminal's constructor
 * `TTYTerminal(term, stdin, stdout, stderr)`, use the 4 bare forms (63 variants: the standard
 * streams are never IOContext-wrapped there); more positions take one form everywhere.
 */
export const maxVariantsPerStatement = 63

const streamName = '(?:PipeEndpoint|TTY|IOStream|DevNull)'
// a stream type, possibly wrapped, not part of a longer name (`MyPkg.TTY`, `TTYTerminal`)
const streamPattern = new RegExp(
  `(?<![\\w.!])(?:Base\\.)?(?:IOContext\\{\\s*(?:Base\\.)?${streamName}\\s*\\}|${streamName})(?![\\w!])`,
  'g'
)

interface Position {
  start: number
  end: number
}

/** Where the statement names a stream type, outside string literals (`var"..."`, `Symbol("...")`). */
export function streamPositions(statement: string): Position[] {
  const positions: Position[] = []
  let segmentStart = 0
  let inString = false
  const scan = (from: number, to: number) => {
    const text = statement.slice(from, to)
    for (const match of text.matchAll(streamPattern)) {
      const start = from + (match.index ?? 0)
      positions.push({ start, end: start + match[0].length })
    }
  }
  for (let i = 0; i < statement.length; i++) {
    const c = statement[i]
    if (inString) {
      if (c === '\\') i++
      else if (c === '"') {
        inString = false
        segmentStart = i + 1
      }
    } else if (c === '"') {
      scan(segmentStart, i)
      inString = true
    }
  }
  if (!inString) scan(segmentStart, statement.length)
  return positions
}

/** Pure: every replacement of the positions by the given forms (each position independently). */
function* combinations(count: number, forms: readonly string[]): Generator<string[]> {
  if (count === 0) {
    yield []
    return
  }
  for (const rest of combinations(count - 1, forms)) {
    for (const form of forms) yield [...rest, form]
  }
}

function replaceAt(statement: string, positions: Position[], forms: string[]): string {
  let out = ''
  let at = 0
  positions.forEach((p, i) => {
    out += statement.slice(at, p.start) + forms[i]
    at = p.end
  })
  return out + statement.slice(at)
}

/** Pure: the variants of one statement (itself excluded), in a stable order. */
export function variantsOf(statement: string): string[] {
  const positions = streamPositions(statement)
  if (positions.length === 0) return []
  const fits = (forms: readonly string[]) =>
    forms.length ** positions.length - 1 <= maxVariantsPerStatement
  const results = new Set<string>()
  if (fits(allStreamForms) || fits(bareStreamForms)) {
    const forms = fits(allStreamForms) ? allStreamForms : bareStreamForms
    for (const choice of combinations(positions.length, forms)) {
      results.add(replaceAt(statement, positions, choice))
    }
  } else {
    for (const form of allStreamForms) {
      results.add(
        replaceAt(
          statement,
          positions,
          positions.map(() => form)
        )
      )
    }
  }
  results.delete(statement)
  return [...results]
}

/**
 * Pure: the variants of a statement list, none of them already in the list and none twice, in
 * the order of the statements they come from. Statements naming no stream type give none.
 */
export function streamVariants(statements: readonly string[]): string[] {
  const seen = new Set(statements)
  const added: string[] = []
  for (const statement of statements) {
    for (const variant of variantsOf(statement)) {
      if (seen.has(variant)) continue
      seen.add(variant)
      added.push(variant)
    }
  }
  return added
}
