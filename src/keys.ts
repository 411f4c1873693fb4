import { createHash } from 'node:crypto'

/**
 * Pure: the cache key of a finished image. Everything that shapes the image's bytes goes in as a
 * content digest; nothing that merely locates it does (absolute checkout paths, the order the
 * workloads were listed in, timing options), so the same project on another runner or in another
 * folder hits the same entry, and any change that matters misses.
 */
export interface KeyInputs {
  /** `cache-key-prefix`; lets users separate or invalidate their entries. */
  prefix: string
  /** The Julia build: version plus its commit, or a digest of its base image when no commit is recorded. */
  julia: { version: string; build: string }
  os: string
  arch: string
  /** The resolved target string passed to `--cpu-target`. */
  cpuTarget: string
  /**
   * The CPU a host-dependent target (`native`) compiles for (see cpu-identity.ts); undefined for
   * explicit target lists, whose images are the same on every host.
   */
  cpu?: string
  /**
   * The served step's Julia flags (`julia-flags`), canonical: the image and its package images
   * are compiled for them. Absent or empty: the line is left out, so keys without flags stay as
   * they were.
   */
  juliaFlags?: readonly string[]
  mode: string
  /** Packages loaded into the image, by name. */
  packages: string[]
  /**
   * Stdlibs the image holds for later steps (later-step-stdlibs.ts), by name. Absent or empty:
   * the line is left out, so keys without them stay as they were.
   */
  stdlibs?: readonly string[]
  /** Files whose content shapes the image, each with a role and (for trees) a relative path. */
  files: KeyFile[]
}

export interface KeyFile {
  /** What the file is: project, manifest, own:<name>, package:<name>, workload, statements, script. */
  role: string
  /** Path relative to its root (the project or package folder) for files in trees; '' otherwise. */
  relativePath: string
  sha256: string
}

/**
 * Bumped whenever the image layout, the metadata format or what the key covers changes
 * incompatibly. 2: the project's own package source, the manifest Julia itself picks, and the
 * CPU a `native` image is compiled for.
 */
export const keySchema = 2

type KeyLine = (...parts: string[]) => void

/** The characters a key may hold: it names a folder (local cache, entry folders) and a GitHub cache entry. */
export const keyCharacters = /^[A-Za-z0-9._-]+$/

/**
 * Pure: how a key spells a free-form part: unsafe characters become '_', cut at `max`
 * characters (so that a key stays far below GitHub's 512).
 */
function keySpelling(text: string, max: number): string {
  return text.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, max)
}

/**
 * Pure: the Julia version as a key spells it. `string(VERSION)` follows Base's `VersionNumber`
 * grammar (base/version.jl): letters, digits, '-', '.', and '+' before build metadata, which
 * Julia built from source often carries (`1.10.8+RAI`). '+' becomes '_', which that grammar
 * never produces, so distinct versions keep distinct spellings; anything else outside the safe
 * characters becomes '_' too, and a spelling is cut at 100 characters. The key's digest covers
 * the exact version string, so two versions never share a key whatever their spelling.
 */
export function keyVersionSpelling(version: string): string {
  return keySpelling(version, 100) || '_'
}

/** Pure: `prefix-julia-sysimage[-kind]-os-arch-julia-version-digest` over the lines `write` adds. */
function digestKey(
  kind: string,
  base: Pick<KeyInputs, 'prefix' | 'julia' | 'os' | 'arch' | 'cpuTarget' | 'cpu' | 'juliaFlags'>,
  write: (line: KeyLine) => void
): string {
  const hash = createHash('sha256')
  const line: KeyLine = (...parts) => hash.update(`${parts.join('\t')}\n`)
  line('schema', String(keySchema))
  line('julia', base.julia.version, base.julia.build)
  line('platform', base.os, base.arch)
  line('cpu-target', base.cpuTarget)
  if (base.cpu !== undefined) line('cpu', base.cpu)
  if (base.juliaFlags?.length) line('julia-flags', ...base.juliaFlags)
  // `cache-key-prefix` is spelled by the same rule (at most 200 characters); one that had to be
  // respelled goes into the digest exactly, so `a b` and `a_b` stay apart. Safe prefixes are not
  // in it, which keeps the keys they always had.
  const trimmed = base.prefix.trim()
  const spelled = keySpelling(trimmed, 200)
  if (spelled !== trimmed) line('prefix', trimmed)
  write(line)
  const digest = hash.digest('hex').slice(0, 40)
  const prefix = spelled ? `${spelled}-` : ''
  const name = kind ? `julia-sysimage-${kind}` : 'julia-sysimage'
  return `${prefix}${name}-${base.os}-${base.arch}-julia-${keyVersionSpelling(base.julia.version)}-${digest}`
}

export function imageCacheKey(inputs: KeyInputs): string {
  return digestKey('', inputs, (line) => {
    line('mode', inputs.mode)
    line('packages', ...[...inputs.packages].sort())
    if (inputs.stdlibs?.length) line('stdlibs', ...inputs.stdlibs)
    // sorted, so listing order and discovery order do not matter
    const files = inputs.files.map((f) => `${f.role}\t${f.relativePath}\t${f.sha256}`).sort()
    for (const file of files) line('file', file)
  })
}

/** What a base object archive (chained mode) depends on: the Julia build, target and flags. */
export type BaseKeyInputs = Pick<
  KeyInputs,
  'prefix' | 'julia' | 'os' | 'arch' | 'cpuTarget' | 'cpu' | 'juliaFlags'
> & {
  /** The flags of the process that writes the archive; a change means another archive. */
  flags: string[]
  /** sha256 of the script that process runs. */
  scriptSha256: string
}

/**
 * Pure: the cache key of a base archive. Nothing about the project goes in: one base serves
 * every project built with the same Julia, target and flags.
 */
export function baseArchiveKey(inputs: BaseKeyInputs): string {
  return digestKey('base', inputs, (line) => {
    line('flags', ...inputs.flags)
    line('script', inputs.scriptSha256)
  })
}

/** The layers of a layered build, each a cache entry of its own. */
export type LayerKind = 'deps' | 'own' | 'workload'

/** What a layer's key covers besides the Julia build, platform and target. */
export type LayerKeyInputs = Pick<
  KeyInputs,
  'prefix' | 'julia' | 'os' | 'arch' | 'cpuTarget' | 'cpu' | 'juliaFlags'
> & {
  /** Facts as tab-joined fields: resolved packages, the layer below's identity. */
  facts: string[][]
  files: KeyFile[]
}

/**
 * Pure: the key of one layer of a layered build.
 * - `deps` (the dependency image): the resolved `(uuid, name, version, tree hash)` of every package
 *   in it, the preferences and manifest that select them, the tool's scripts and code. Not the
 *   statements: an edit of the workload or of own code must never rebuild this image (what it
 *   misses goes into the workload layer), so its statements are those of the trace it was built
 *   from, until dependencies change or a re-base rebuilds it.
 * - `own` (own package images): the dependency image's sha256 (a package image is valid only on
 *   the exact image it was built on), the own packages' sources, project and manifest.
 * - `workload` (the workload package): the `own` key, the workloads and statement files.
 */
export function layerCacheKey(kind: LayerKind, inputs: LayerKeyInputs): string {
  return digestKey(kind, inputs, (line) => {
    line('layer', kind)
    for (const fact of inputs.facts) line('fact', ...fact)
    const files = inputs.files.map((f) => `${f.role}\t${f.relativePath}\t${f.sha256}`).sort()
    for (const file of files) line('file', file)
  })
}
