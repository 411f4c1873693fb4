import semver from 'semver'
import { UserError } from '../errors.js'
import { describePlatform, type JuliaPlatform } from './platform.js'

/**
 * Julia's release index (`bin/versions.json`): version → published files. Only the fields the
 * installer reads are kept; see shared research notes §7 for the full schema.
 */
export type ReleaseIndex = Map<string, ReleaseEntry>

export interface ReleaseEntry {
  stable: boolean
  files: ReleaseFile[]
}

export interface ReleaseFile {
  url: string
  os: string
  arch: string
  /** e.g. `x86_64-linux-gnu`, `x86_64-linux-musl`, `aarch64-apple-darwin14`. */
  triplet: string
  /** `archive` or `installer`. */
  kind: string
  /** `tar.gz`, `zip`, `dmg`, `exe`. */
  extension: string
  /** Lower-case hex; empty when the index has none (such a file is never downloaded). */
  sha256: string
  size?: number
}

/** The Julia long-term-support line that `lts` means. */
export const ltsMinor = '1.10'

/** What a `version` input asks for, before looking at the index. */
export type VersionSpec =
  | { kind: 'exact'; version: string }
  | { kind: 'range'; range: string }
  | { kind: 'lts' | 'pre' | 'min' }
  /** `nightly`, or `1.12-nightly` for the nightly of a release branch. */
  | { kind: 'nightly'; label: string; branch?: string }

const specHelp =
  'Use lts, 1, 1.10, 1.10.4, a range like ^1.9, pre, min, nightly or 1.12-nightly; ' +
  "in YAML quote it ('1.10'), or it becomes the number 1.1"

/** Pure: reads a `version` input. */
export function parseVersionSpec(text: string): VersionSpec {
  const spec = text.trim()
  const lower = spec.toLowerCase()
  if (lower === 'lts' || lower === 'pre' || lower === 'min') return { kind: lower }
  if (lower === 'nightly') return { kind: 'nightly', label: 'nightly' }
  const branchNightly = /^(\d+\.\d+)-nightly$/.exec(lower)
  if (branchNightly) return { kind: 'nightly', label: lower, branch: branchNightly[1] }
  // `1.10.4` and `v1.10.4` name one release; `1.10` and `1` are ranges (newest matching).
  const exact = semver.valid(spec.replace(/^v/, ''))
  if (exact && /^v?\d+\.\d+\.\d+/.test(spec)) return { kind: 'exact', version: exact }
  if (spec !== '' && semver.validRange(spec) !== null) return { kind: 'range', range: spec }
  throw new UserError('version', `${JSON.stringify(text)} is not a Julia version`, specHelp)
}

/**
 * Pure: a hint when the spec looks like YAML turned `1.10` into 1.1: the index has a `X.Y0`
 * line as well as the `X.Y` asked for.
 */
export function yamlNumberHint(spec: string, index: ReleaseIndex): string | undefined {
  if (!/^\d+\.[1-9]$/.test(spec.trim())) return undefined
  const longer = `${spec.trim()}0.`
  if (![...index.keys()].some((version) => version.startsWith(longer))) return undefined
  return `version ${spec} selects Julia ${spec}.x; if you meant ${spec}0, quote it in YAML ('${spec}0')`
}

const hex64 = /^[0-9a-f]{64}$/

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : ''
}

/**
 * Pure: validates a parsed `versions.json`. The shape (object of versions, each with a `files`
 * list of objects) must hold everywhere: anything else means the URL does not serve a release
 * index (an error page, a proxy's login form). Single fields are checked where they are used.
 */
export function parseReleaseIndex(data: unknown, source: string): ReleaseIndex {
  const malformed = (problem: string) =>
    new UserError(
      'download-url',
      `${source} is not a Julia release index: ${problem}`,
      'Point download-url at a folder that serves versions.json and the tarballs in the layout of https://julialang-s3.julialang.org/bin/'
    )
  if (!isRecord(data)) throw malformed('it is not a JSON object')
  const index: ReleaseIndex = new Map()
  for (const [version, entry] of Object.entries(data)) {
    if (semver.valid(version) !== version)
      throw malformed(`key ${JSON.stringify(version)} is not a version`)
    if (!isRecord(entry) || !Array.isArray(entry.files)) {
      throw malformed(`entry ${version} has no "files" list`)
    }
    const files: ReleaseFile[] = entry.files.map((file, position) => {
      if (!isRecord(file)) throw malformed(`file ${position} of ${version} is not an object`)
      return {
        url: text(file.url),
        os: text(file.os),
        arch: text(file.arch),
        triplet: text(file.triplet),
        kind: text(file.kind),
        extension: text(file.extension),
        sha256: text(file.sha256).toLowerCase(),
        size: typeof file.size === 'number' ? file.size : undefined
      }
    })
    // A missing `stable` is read from the version itself: prereleases have a `-` part.
    const stable =
      typeof entry.stable === 'boolean' ? entry.stable : semver.prerelease(version) === null
    index.set(version, { stable, files })
  }
  if (index.size === 0) throw malformed('it lists no versions')
  return index
}

/** Extensions the installer unpacks, best first. Windows' own tar (bsdtar) also reads zip. */
function archiveExtensions(platform: JuliaPlatform): string[] {
  return platform.os === 'winnt' ? ['tar.gz', 'zip'] : ['tar.gz']
}

function isMuslFile(file: ReleaseFile): boolean {
  return file.triplet.includes('musl') || file.url.includes('/musl/')
}

/** Pure: the files of a release built for `platform` (any extension), musl kept apart from glibc. */
function filesFor(entry: ReleaseEntry, platform: JuliaPlatform): ReleaseFile[] {
  return entry.files.filter(
    (file) =>
      file.os === platform.os &&
      file.arch === platform.arch &&
      (platform.os !== 'linux' || isMuslFile(file) === (platform.libc === 'musl'))
  )
}

/** Pure: the archive to install for `platform`, or undefined when the release has none. */
function archiveFor(entry: ReleaseEntry, platform: JuliaPlatform): ReleaseFile | undefined {
  const files = filesFor(entry, platform)
  for (const extension of archiveExtensions(platform)) {
    const file = files.find((f) => f.extension === extension && f.kind !== 'installer')
    if (file) return file
  }
  return undefined
}

/**
 * Pure: the file to download for `version` on `platform`: a `.tar.gz` (Windows: else a `.zip`),
 * never an installer, never a musl build on glibc or the other way round, always with a sha256.
 */
export function pickReleaseFile(
  index: ReleaseIndex,
  version: string,
  platform: JuliaPlatform
): ReleaseFile {
  const entry = index.get(version)
  if (!entry) throw unknownVersion(index, version)
  const file = archiveFor(entry, platform)
  if (!file) {
    const installers = filesFor(entry, platform).map((f) => `.${f.extension}`)
    const built = [...new Set(entry.files.map((f) => `${f.os} ${f.arch}`))].sort().join(', ')
    const problem = installers.length
      ? `Julia ${version} for ${describePlatform(platform)} is published only as ${installers.join(', ')}, which this installer does not unpack`
      : `Julia ${version} has no download for ${describePlatform(platform)} (it is built for ${built})`
    const appleHint =
      platform.os === 'mac' && platform.arch === 'aarch64'
        ? '; on Apple silicon, x64 Julia runs under Rosetta (arch: x64)'
        : ''
    throw new UserError('version', problem, `Choose another version or arch${appleHint}`)
  }
  if (!hex64.test(file.sha256)) {
    throw new UserError(
      'download-url',
      `the release index lists no valid sha256 for ${file.url}`,
      'Serve the versions.json published with the release; downloads are never installed unverified'
    )
  }
  if (file.url === '') {
    throw new UserError(
      'download-url',
      `the release index lists no url for Julia ${version}`,
      'Serve the versions.json published with the release'
    )
  }
  return file
}

function unknownVersion(index: ReleaseIndex, version: string): UserError {
  const line = `${semver.major(version)}.${semver.minor(version)}`
  const sameLine = semver.maxSatisfying([...index.keys()], line)
  const newest = semver.maxSatisfying([...index.keys()], '*')
  const nearest = sameLine
    ? `the newest ${line} release is ${sameLine}`
    : `the newest release is ${newest}`
  return new UserError(
    'version',
    `Julia ${version} is not in the release index (${nearest})`,
    specHelp
  )
}

export interface ResolveOptions {
  platform: JuliaPlatform
  /** The project's `[compat] julia` as an npm semver range; needed only for `min`. */
  compatRange?: string
}

/**
 * Pure: the concrete release a spec selects. Ranges and aliases pick among releases that have
 * an installable file for the platform (so `min` on Apple silicon skips releases without an
 * aarch64 build rather than failing on them); an exact version is taken as asked.
 */
export function resolveVersion(
  index: ReleaseIndex,
  spec: VersionSpec,
  options: ResolveOptions
): string {
  if (spec.kind === 'nightly') throw new Error('nightlies are not in the release index')
  if (spec.kind === 'exact') {
    if (!index.has(spec.version)) throw unknownVersion(index, spec.version)
    return spec.version
  }
  const all = [...index.keys()]
  const installable = all.filter((version) => archiveFor(index.get(version)!, options.platform))
  let pick: (versions: string[]) => string | null
  let wanted: string
  switch (spec.kind) {
    case 'lts':
      wanted = `lts (${ltsMinor})`
      pick = (versions) => semver.maxSatisfying(versions, ltsMinor)
      break
    case 'pre':
      // The newest 1.x including alphas, betas and release candidates.
      wanted = 'pre'
      pick = (versions) => semver.maxSatisfying(versions, '1', { includePrerelease: true })
      break
    case 'min': {
      const range = options.compatRange
      if (range === undefined) {
        throw new UserError(
          'version',
          "min needs the project's [compat] julia entry, and the project has none",
          'Add e.g. julia = "1.10" under [compat] in Project.toml, or ask for a version'
        )
      }
      wanted = `min (lowest release allowed by [compat] julia = ${range})`
      pick = (versions) =>
        semver.minSatisfying(
          versions.filter((v) => index.get(v)!.stable),
          range
        )
      break
    }
    case 'range':
      wanted = spec.range
      pick = (versions) => semver.maxSatisfying(versions, spec.range)
      break
  }
  const found = pick(installable)
  if (found) return found
  const elsewhere = pick(all)
  if (elsewhere) {
    throw new UserError(
      'version',
      `no release matching ${wanted} has a download for ${describePlatform(options.platform)} (${elsewhere} matches but is built for other platforms only)`,
      'Choose another version or arch'
    )
  }
  const newest = semver.maxSatisfying(all, '*')
  throw new UserError(
    'version',
    `no Julia release matches ${wanted} (the newest release is ${newest})`,
    specHelp
  )
}
