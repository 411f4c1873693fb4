/**
 * An error the user can fix: it names the input at fault, what went wrong and what to do.
 * Entry points print `message` alone (no stack trace) for these; anything else is a bug and
 * keeps its stack in debug logs.
 */
export class UserError extends Error {
  readonly input: string
  readonly fix: string
  readonly detail?: string

  constructor(input: string, problem: string, fix: string, detail?: string) {
    super(`${input}: ${problem}. ${fix}`)
    this.name = 'UserError'
    this.input = input
    this.fix = fix
    this.detail = detail
  }
}

export function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
