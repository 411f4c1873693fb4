import { execFile } from 'node:child_process'
import { promises as fs } from 'node:fs'
import path from 'node:path'
import { promisify } from 'node:util'
import { parse as parseToml, stringify as stringifyToml } from 'smol-toml'
import { fixturesDir } from './test-julia.js'

/**
 * A Julia package registry in a test depot, served from local git repositories: Pkg resolves
 * registry packages (versions, git tree hashes, compat) and installs them by cloning the
 * repositories, all offline. The layered fixture (a project whose dependencies come from a
 * registry, beside a path package of its own) is written with it.
 */

const execFileAsync = promisify(execFile)

export const layeredFixtureDir = path.join(fixturesDir, 'layered')

const registryName = 'LocalRegistry'
const registryUuid = 'b7059162-407c-4473-b34d-7fee1de717e2'

/** One version of a registry package. */
export interface RegistryVersion {
  version: string
  /**
   * Edits the package's files (the repository's work tree, holding the source with this
   * version in Project.toml) before the version is committed, so that versions differ.
   */
  transform?: (dir: string) => Promise<void>
}

/** A package to register: its source folder (Project.toml, src/) and its versions, oldest first. */
export interface RegistryPackage {
  source: string
  versions: RegistryVersion[]
}

export interface RegisteredVersion {
  commit: string
  /** `git rev-parse <commit>^{tree}`: the git-tree-sha1 of Versions.toml and the manifest. */
  treeHash: string
}

export interface RegisteredPackage {
  name: string
  uuid: string
  /** The git repository Package.toml names, one commit and tag `v<version>` per version. */
  repo: string
  versions: Record<string, RegisteredVersion>
}

export interface RegistryInfo {
  name: string
  uuid: string
  /** `<depot>/registries/LocalRegistry` */
  dir: string
  packages: Record<string, RegisteredPackage>
}

/** What the registry needs from a version's Project.toml. */
interface ProjectInfo {
  name: string
  uuid: string
  deps: Record<string, string>
  compat: Record<string, string>
}

/**
 * Writes git repositories for `packages` under `reposDir` and an unpacked registry naming
 * them in `<depot>/registries/LocalRegistry`, in the format of General (Registry.toml, and
 * per package Package.toml, Versions.toml, Deps.toml, Compat.toml).
 */
export async function writeLocalRegistry(
  depot: string,
  reposDir: string,
  packages: RegistryPackage[]
): Promise<RegistryInfo> {
  const dir = path.join(depot, 'registries', registryName)
  await fs.mkdir(dir, { recursive: true })
  const registered: Record<string, RegisteredPackage> = {}
  const entries: Record<string, { name: string; path: string }> = {}
  for (const pkg of packages) {
    const { info, projects } = await commitVersions(pkg, reposDir)
    const relative = path.join(info.name[0].toUpperCase(), info.name)
    await writePackageFiles(path.join(dir, relative), info, projects)
    registered[info.name] = info
    entries[info.uuid] = { name: info.name, path: relative.split(path.sep).join('/') }
  }
  const registry = {
    name: registryName,
    uuid: registryUuid,
    // no remote: Pkg's registry update skips a registry that is neither git nor a tarball
    repo: '',
    description: 'Test packages served from local git repositories',
    packages: entries
  }
  await fs.writeFile(path.join(dir, 'Registry.toml'), stringifyToml(registry) + '\n')
  return { name: registryName, uuid: registryUuid, dir, packages: registered }
}

/**
 * The registry packages the layered fixture depends on: TableKit 1.0.0 and 1.1.0, TextReports
 * 1.0.0, and RuleBook 1.0.0 and 1.1.0 (a dependency of the own package LedgerRules only).
 */
export function layeredRegistryPackages(): RegistryPackage[] {
  const registry = path.join(layeredFixtureDir, 'registry')
  return [
    {
      source: path.join(registry, 'TableKit'),
      versions: [
        { version: '1.0.0' },
        { version: '1.1.0', transform: noteVersion('TableKit', 'VERSION_NOTE', '1.1.0') }
      ]
    },
    { source: path.join(registry, 'TextReports'), versions: [{ version: '1.0.0' }] },
    {
      source: path.join(registry, 'RuleBook'),
      versions: [
        { version: '1.0.0' },
        { version: '1.1.0', transform: noteVersion('RuleBook', 'EDITION', '1.1.0') }
      ]
    }
  ]
}

/** A package's observable change in a later version: the constant `name` names the version. */
function noteVersion(pkg: string, name: string, version: string): (dir: string) => Promise<void> {
  return (dir) =>
    replaceLine(
      path.join(dir, 'src', `${pkg}.jl`),
      new RegExp(`^const ${name} = ".*"$`, 'm'),
      `const ${name} = ${juliaStringLiteral(`${pkg} ${version}`)}`
    )
}

/** Commits each version of `pkg` to a fresh repository `reposDir/<Name>`, tagged `v<version>`. */
async function commitVersions(
  pkg: RegistryPackage,
  reposDir: string
): Promise<{ info: RegisteredPackage; projects: Map<string, ProjectInfo> }> {
  const first = await readProject(path.join(pkg.source, 'Project.toml'))
  const repo = path.resolve(reposDir, first.name)
  await fs.mkdir(repo, { recursive: true })
  await git(repo, ['init', '--quiet', '--initial-branch=main'])
  const info: RegisteredPackage = { name: first.name, uuid: first.uuid, repo, versions: {} }
  const projects = new Map<string, ProjectInfo>()
  for (const { version, transform } of pkg.versions) {
    await replaceWorkTree(repo, pkg.source)
    await replaceLine(
      path.join(repo, 'Project.toml'),
      /^version = ".*"$/m,
      `version = ${juliaStringLiteral(version)}`
    )
    await transform?.(repo)
    const project = await readProject(path.join(repo, 'Project.toml'))
    if (project.name !== first.name || project.uuid !== first.uuid)
      throw new Error(`${pkg.source}: version ${version} changed the package's name or uuid`)
    projects.set(version, project)
    info.versions[version] = await commitVersion(repo, version)
  }
  return { info, projects }
}

async function commitVersion(repo: string, version: string): Promise<RegisteredVersion> {
  await git(repo, ['add', '--all'])
  await git(repo, ['commit', '--quiet', '--allow-empty', '--message', `version ${version}`])
  await git(repo, ['tag', `v${version}`])
  const commit = await git(repo, ['rev-parse', 'HEAD'])
  const treeHash = await git(repo, ['rev-parse', `${commit}^{tree}`])
  return { commit, treeHash }
}

/** Empties the work tree (not .git) and copies `source` into it: each version starts clean. */
async function replaceWorkTree(repo: string, source: string): Promise<void> {
  for (const entry of await fs.readdir(repo)) {
    if (entry !== '.git') await fs.rm(path.join(repo, entry), { recursive: true, force: true })
  }
  await fs.cp(source, repo, { recursive: true })
}

/**
 * Git with no user or system configuration (hooks, signing, autocrlf would change what is
 * committed) and a fixed author and date, so the same sources give the same commit ids.
 */
async function git(repo: string, args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('git', args, {
    cwd: repo,
    env: {
      PATH: process.env.PATH,
      HOME: repo,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_CONFIG_GLOBAL: '/dev/null',
      GIT_AUTHOR_NAME: 'Registry Fixture',
      GIT_AUTHOR_EMAIL: 'fixture@example.invalid',
      GIT_AUTHOR_DATE: '2024-01-01T00:00:00Z',
      GIT_COMMITTER_NAME: 'Registry Fixture',
      GIT_COMMITTER_EMAIL: 'fixture@example.invalid',
      GIT_COMMITTER_DATE: '2024-01-01T00:00:00Z'
    }
  })
  return stdout.trim()
}

async function readProject(file: string): Promise<ProjectInfo> {
  const toml = parseToml(await fs.readFile(file, 'utf8')) as Record<string, unknown>
  const { name, uuid } = toml
  if (typeof name !== 'string' || typeof uuid !== 'string')
    throw new Error(`${file} has no name or uuid`)
  return {
    name,
    uuid,
    deps: stringTable(toml.deps, `${file} [deps]`),
    compat: stringTable(toml.compat, `${file} [compat]`)
  }
}

function stringTable(value: unknown, where: string): Record<string, string> {
  if (value === undefined) return {}
  if (typeof value !== 'object' || value === null) throw new Error(`${where} is not a table`)
  for (const entry of Object.values(value)) {
    if (typeof entry !== 'string') throw new Error(`${where} holds a value that is not a string`)
  }
  return value as Record<string, string>
}

/** Package.toml, Versions.toml and, when any version has some, Deps.toml and Compat.toml. */
async function writePackageFiles(
  dir: string,
  info: RegisteredPackage,
  projects: Map<string, ProjectInfo>
): Promise<void> {
  await fs.mkdir(dir, { recursive: true })
  const write = (name: string, data: Record<string, unknown>) =>
    fs.writeFile(path.join(dir, name), stringifyToml(data) + '\n')
  await write('Package.toml', { name: info.name, uuid: info.uuid, repo: info.repo })
  await write('Versions.toml', versionsToml(info))
  const deps = depsToml(projects)
  if (Object.keys(deps).length > 0) await write('Deps.toml', deps)
  const compat = compatToml(projects)
  if (Object.keys(compat).length > 0) await write('Compat.toml', compat)
}

/** Pure: `{"1.0.0": {"git-tree-sha1": …}, …}`. */
export function versionsToml(info: RegisteredPackage): Record<string, Record<string, string>> {
  return Object.fromEntries(
    Object.entries(info.versions).map(([version, v]) => [version, { 'git-tree-sha1': v.treeHash }])
  )
}

/**
 * Pure: each version's dependencies, stdlibs included as General lists them, keyed by the
 * version itself (a one-version range; General merges equal neighbours into wider ranges,
 * which Pkg reads the same).
 */
export function depsToml(
  projects: Map<string, ProjectInfo>
): Record<string, Record<string, string>> {
  const out: Record<string, Record<string, string>> = {}
  for (const [version, project] of projects) {
    if (Object.keys(project.deps).length > 0) out[version] = { ...project.deps }
  }
  return out
}

/** Pure: each version's compat entries as registry version ranges. */
export function compatToml(
  projects: Map<string, ProjectInfo>
): Record<string, Record<string, string | string[]>> {
  const out: Record<string, Record<string, string | string[]>> = {}
  for (const [version, project] of projects) {
    const entries = Object.entries(project.compat)
    if (entries.length > 0)
      out[version] = Object.fromEntries(entries.map(([dep, spec]) => [dep, compatRanges(spec)]))
  }
  return out
}

/**
 * Pure: a Project.toml compat spec as the ranges a registry stores (RegistryTools' form):
 * caret specs only, "1.6" → "1.6.0-1", "0.3" → "0.3.0-0.3", "0.0.2" → "0.0.2-0.0.2",
 * "=1.2.3" → "1.2.3"; a list ("1, 2") gives a list. Other forms (~, ≥, hyphens) throw: the
 * fixture does not need them.
 */
export function compatRanges(spec: string): string | string[] {
  const ranges = spec.split(',').map((part) => compatRange(part.trim()))
  return ranges.length === 1 ? ranges[0] : ranges
}

function compatRange(part: string): string {
  const exact = /^=(\d+\.\d+\.\d+)$/.exec(part)
  if (exact) return exact[1]
  const caret = /^\^?(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(part)
  if (!caret) throw new Error(`compat spec "${part}": only caret and = specs are supported`)
  const [major, minor, patch] = caret.slice(1).map((n) => Number(n ?? 0))
  const lower = `${major}.${minor}.${patch}`
  // the first nonzero component given is the one that may not change
  if (major > 0 || caret[2] === undefined) return `${lower}-${major}`
  if (minor > 0 || caret[3] === undefined) return `${lower}-${major}.${minor}`
  return `${lower}-${lower}`
}

/** Pure: `text` as a Julia string literal (`$` and `\` escaped, control characters as \u). */
export function juliaStringLiteral(text: string): string {
  let out = '"'
  for (const ch of text) {
    const code = ch.codePointAt(0) ?? 0
    if (ch === '"' || ch === '\\' || ch === '$') out += `\\${ch}`
    else if (ch === '\n') out += '\\n'
    else if (code < 0x20 || code === 0x7f) out += `\\u${code.toString(16).padStart(4, '0')}`
    else out += ch
  }
  return out + '"'
}

/** Replaces the one line `pattern` matches in `file`; a missing line is an error, not a no-op. */
export async function replaceLine(file: string, pattern: RegExp, line: string): Promise<void> {
  const text = await fs.readFile(file, 'utf8')
  if (!pattern.test(text)) throw new Error(`${file}: no line matches ${pattern}`)
  // a function, so that `$` in the new line is taken as it is
  await fs.writeFile(
    file,
    text.replace(pattern, () => line)
  )
}

/** The user's project of the layered fixture, with its manifest, ready to run. */
export interface LayeredProject {
  /** The Ledger project folder (a package, with LedgerRules dev'ed inside it). */
  dir: string
  workload: string
  manifest: string
  /** Ledger's own source, src/Ledger.jl, where GREETING is. */
  ownSource: string
  /** LedgerRules/src/LedgerRules.jl */
  rulesSource: string
  /** Rewrites `const GREETING = "…"` in src/Ledger.jl: the first line main() prints. */
  setGreeting(text: string): Promise<void>
  /** Pins TableKit at `version` through Pkg, rewriting the manifest. */
  setTableKitVersion(version: string): Promise<void>
  /**
   * Moves RuleBook, which only LedgerRules depends on, to `version`: the manifest's only change
   * (Pkg adds it at that version and removes it from the project again, keeping the version).
   */
  setRuleBookVersion(version: string): Promise<void>
}

/**
 * Copies the Ledger project into `root` and makes its manifest with Pkg: LedgerRules dev'ed
 * (a path entry), TableKit at exactly `tableKitVersion` and TextReports from the registry
 * (entries with version and git-tree-sha1), installed into the depot `env` names. The
 * registry must be in that depot already (writeLocalRegistry).
 */
export async function writeLayeredProject(
  julia: string,
  env: NodeJS.ProcessEnv,
  root: string,
  options: { tableKitVersion: string }
): Promise<LayeredProject> {
  const dir = path.join(root, 'Ledger')
  await fs.cp(path.join(layeredFixtureDir, 'project', 'Ledger'), dir, { recursive: true })
  await runPkg(julia, env, dir, setupCode, { LEDGER_TABLEKIT_VERSION: options.tableKitVersion })
  await runPkg(julia, env, dir, indirectPinCode, { LEDGER_RULEBOOK_VERSION: '1.0.0' })
  const ownSource = path.join(dir, 'src', 'Ledger.jl')
  return {
    dir,
    workload: path.join(dir, 'workload.jl'),
    manifest: path.join(dir, 'Manifest.toml'),
    ownSource,
    rulesSource: path.join(dir, 'LedgerRules', 'src', 'LedgerRules.jl'),
    setGreeting: (text) =>
      replaceLine(
        ownSource,
        /^const GREETING = ".*"$/m,
        `const GREETING = ${juliaStringLiteral(text)}`
      ),
    setTableKitVersion: (version) =>
      runPkg(julia, env, dir, pinCode, { LEDGER_TABLEKIT_VERSION: version }),
    setRuleBookVersion: (version) =>
      runPkg(julia, env, dir, indirectPinCode, { LEDGER_RULEBOOK_VERSION: version })
  }
}

// Fixed Julia code; what varies comes through ENV. The develop resolves TableKit to its
// newest version first (the project lists it, the manifest does not yet), the add then pins
// the version asked for. The relative path keeps the manifest's entry relative
// (path = "LedgerRules"), so the project can move.
const setupCode = `
using Pkg
Pkg.develop(path = "LedgerRules")
Pkg.add(name = "TableKit", version = ENV["LEDGER_TABLEKIT_VERSION"])
Pkg.add("TextReports")
`

const pinCode = `
using Pkg
Pkg.add(name = "TableKit", version = ENV["LEDGER_TABLEKIT_VERSION"])
`

// \`rm\` prunes the project's entry but does not resolve again: the manifest keeps the version
const indirectPinCode = `
using Pkg
Pkg.add(name = "RuleBook", version = ENV["LEDGER_RULEBOOK_VERSION"])
Pkg.rm("RuleBook")
`

/** Runs Pkg code in the project `dir` (its working folder too); fails with Pkg's output. */
async function runPkg(
  julia: string,
  env: NodeJS.ProcessEnv,
  dir: string,
  code: string,
  vars: Record<string, string>
): Promise<void> {
  try {
    await execFileAsync(
      julia,
      ['--startup-file=no', '--history-file=no', `--project=${dir}`, '-e', code],
      {
        cwd: dir,
        env: {
          ...env,
          ...vars,
          // the manifest is all these calls are for; precompiling would only take time
          JULIA_PKG_PRECOMPILE_AUTO: '0',
          // offline: no package server, Pkg clones the repositories the registry names
          JULIA_PKG_SERVER: ''
        },
        maxBuffer: 16 * 1024 * 1024
      }
    )
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string }
    throw new Error(`Pkg failed in ${dir}:\n${stderr ?? ''}${stdout ?? ''}`, { cause: error })
  }
}
