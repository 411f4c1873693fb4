/** A Julia version as Julia reports it (`1.10.4`, `1.12.0-rc1`, `1.13.0-DEV.123`). */
export interface JuliaVersion {
  major: number
  minor: number
  patch: number
  prerelease: string
}

export function parseJuliaVersion(text: string): JuliaVersion {
  const match = /(\d+)\.(\d+)\.(\d+)(?:-([0-9A-Za-z.-]+))?/.exec(text)
  if (!match) throw new Error(`not a Julia version: ${JSON.stringify(text)}`)
  return {
    major: Number(match[1]),
    minor: Number(match[2]),
    patch: Number(match[3]),
    prerelease: match[4] ?? ''
  }
}

/**
 * True when `v` is at least `major.minor[.patch]`. Prereleases count as the release they lead to
 * (a 1.12.0-rc1 has 1.12's command-line flags; a 1.10.5-rc1 has 1.10.5's backports).
 */
export function atLeast(v: JuliaVersion, major: number, minor: number, patch = 0): boolean {
  if (v.major !== major) return v.major > major
  if (v.minor !== minor) return v.minor > minor
  return v.patch >= patch
}
