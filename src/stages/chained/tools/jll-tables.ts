import { readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { shippedPath } from '../../../util/shipped.js'
import {
  parseArtifactsToml,
  selectArtifact,
  type JllArtifact,
  type ToolPlatform
} from './artifacts.js'
import { llvmMajor, matchShippedLlvm } from './llvm-version.js'

/** The JLL packages julia-sysimage takes LLVM tools from. */
export type JllPackage = 'LLD' | 'LLVM_full'

/**
 * The shipped Artifacts.toml tables: the trust anchor for the sha256 of every tool download,
 * so they come with julia-sysimage instead of from the network.
 */
export const jllTablesDir = shippedPath('jll')

export interface JllTable {
  package: JllPackage
  /** The LLVM version the table's builds are for: `15.0.7`. */
  llvmVersion: string
  path: string
}

export interface JllTableText extends JllTable {
  text: string
}

/** `LLD_jll-15.0.7.Artifacts.toml`: one table per JLL package and LLVM version. */
const tableFilePattern = /^([A-Za-z0-9_]+)_jll-(\d+\.\d+\.\d+)\.Artifacts\.toml$/

/** Every table shipped for a package, oldest LLVM first. */
export function shippedJllTables(pkg: JllPackage, dir: string = jllTablesDir): JllTable[] {
  let files: string[]
  try {
    files = readdirSync(dir)
  } catch {
    return []
  }
  return files
    .map((file) => tableFilePattern.exec(file))
    .filter((match): match is RegExpExecArray => match !== null && match[1] === pkg)
    .map((match) => ({ package: pkg, llvmVersion: match[2], path: path.join(dir, match[0]) }))
    .sort((a, b) => llvmMajor(a.llvmVersion) - llvmMajor(b.llvmVersion))
}

/**
 * The table of `pkg` for a Julia's LLVM: `llvm` is its major (15) or full version (`15.0.7`,
 * preferred when several of one major are shipped). Undefined when none is shipped.
 */
export function findJllTable(
  pkg: JllPackage,
  llvm: number | string,
  dir: string = jllTablesDir
): JllTableText | undefined {
  const tables = shippedJllTables(pkg, dir)
  const wanted = String(llvm)
  const major = llvmMajor(wanted)
  if (!tables.some((t) => llvmMajor(t.llvmVersion) === major)) return undefined
  return readTable(tables, matchShippedLlvm(wanted, versions(tables), pkg))
}

/**
 * The build of `pkg` to download for a Julia (its `Base.libllvm_version`) on `platform`, from
 * the shipped tables. Throws a UserError when no table matches the LLVM major or the table has
 * no build for the platform.
 */
export function shippedArtifact(
  pkg: JllPackage,
  juliaLlvmVersion: string,
  platform: ToolPlatform,
  dir: string = jllTablesDir
): JllArtifact {
  const tables = shippedJllTables(pkg, dir)
  const table = readTable(tables, matchShippedLlvm(juliaLlvmVersion, versions(tables), pkg))
  return selectArtifact(
    parseArtifactsToml(table.text, table.path),
    platform,
    llvmMajor(juliaLlvmVersion)
  )
}

function versions(tables: readonly JllTable[]): string[] {
  return tables.map((t) => t.llvmVersion)
}

/** Reads the table `matchShippedLlvm` chose (so it is one of `tables`). */
function readTable(tables: readonly JllTable[], llvmVersion: string): JllTableText {
  const table = tables.find((t) => t.llvmVersion === llvmVersion) as JllTable
  return { ...table, text: readFileSync(table.path, 'utf8') }
}
