import { parseArgs, type ParseArgsConfig } from 'node:util'
import { UserError } from '../errors.js'

type Options = NonNullable<ParseArgsConfig['options']>
type Values<T extends Options> = ReturnType<
  typeof parseArgs<{ args: string[]; options: T; strict: true; allowPositionals: false }>
>['values']

/**
 * Parses a command's flags (no positionals). Unknown flags, missing values and flags given an
 * empty value (`--julia ""`, easy to produce from an unset shell variable) are user errors.
 */
export function parseFlags<const T extends Options>(
  argv: string[],
  options: T,
  command: string
): Values<T> {
  let values: Values<T>
  try {
    values = parseArgs({ args: argv, options, strict: true, allowPositionals: false }).values
  } catch (error) {
    throw new UserError(
      'arguments',
      (error as Error).message,
      `See julia-sysimage ${command} --help`
    )
  }
  for (const [flag, value] of Object.entries(values)) {
    const empty = (v: unknown) => typeof v === 'string' && v.trim() === ''
    if (Array.isArray(value) ? value.some(empty) : empty(value)) {
      throw new UserError(`--${flag}`, 'is empty', `Give --${flag} a value or leave it out`)
    }
  }
  return values
}
