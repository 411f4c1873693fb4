import { UserError } from '../errors.js'
import type { JuliaPlatform } from './platform.js'

/** Where Julia's releases and their index live; `download-url` replaces this prefix. */
export const officialBaseUrl = 'https://julialang-s3.julialang.org/bin/'

/** Nightly builds live in a bucket of their own with the same `bin/<os>/<arch>/` layout. */
export const nightlyBaseUrl = 'https://julialangnightlies-s3.julialang.org/bin/'

/**
 * Pure: checks a `download-url` input (or the mirror input named `inputName`) and gives it the
 * trailing slash the other URLs are appended to. Only http(s): tool-cache downloads nothing else.
 */
export function normalizeBaseUrl(input: string, inputName: string = 'download-url'): string {
  let url: URL
  try {
    url = new URL(input.trim())
  } catch {
    throw new UserError(
      inputName,
      `${JSON.stringify(input)} is not a URL`,
      'Pass the base URL of a mirror, e.g. https://mirror.example/julia/bin/'
    )
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new UserError(
      inputName,
      `${url.protocol} URLs are not supported`,
      'Use an http:// or https:// URL'
    )
  }
  if (url.search !== '' || url.hash !== '') {
    throw new UserError(
      inputName,
      'must not have a query or fragment',
      'Pass the folder URL only; file names are appended to it'
    )
  }
  const text = url.toString()
  return text.endsWith('/') ? text : `${text}/`
}

/** Pure: the index URL under a base (official or mirror). */
export function releaseIndexUrl(baseUrl: string): string {
  return `${baseUrl}versions.json`
}

/**
 * Pure: where to fetch a file the index lists. The index names official URLs; a mirror serves
 * the same paths under its own base. A URL outside both is refused: a mirror's index must not
 * send the download elsewhere (and on an air-gapped runner elsewhere is unreachable anyway).
 */
export function releaseFileUrl(listedUrl: string, baseUrl: string): string {
  if (listedUrl.startsWith(baseUrl)) return listedUrl
  if (listedUrl.startsWith(officialBaseUrl))
    return baseUrl + listedUrl.slice(officialBaseUrl.length)
  throw new UserError(
    'download-url',
    `the release index points outside ${baseUrl}: ${listedUrl}`,
    'Serve an index whose URLs start with the official https://julialang-s3.julialang.org/bin/ or with download-url itself'
  )
}

/** The `<os>/<arch>` folder and file suffix of the latest nightly, per platform. */
function nightlyPath(platform: JuliaPlatform): { folder: string; suffix: string } | undefined {
  if (platform.os === 'linux' && platform.libc === 'glibc') {
    if (platform.arch === 'x86_64') return { folder: 'linux/x64', suffix: 'linux64' }
    if (platform.arch === 'i686') return { folder: 'linux/x86', suffix: 'linux32' }
    return { folder: 'linux/aarch64', suffix: 'linux-aarch64' }
  }
  if (platform.os === 'mac') {
    if (platform.arch === 'x86_64') return { folder: 'mac/x64', suffix: 'mac64' }
    if (platform.arch === 'aarch64') return { folder: 'mac/aarch64', suffix: 'macaarch64' }
  }
  if (platform.os === 'winnt') {
    if (platform.arch === 'x86_64') return { folder: 'winnt/x64', suffix: 'win64' }
    if (platform.arch === 'i686') return { folder: 'winnt/x86', suffix: 'win32' }
  }
  return undefined
}

/**
 * Pure: the URL of the newest nightly (`branch` undefined) or of a release branch's nightly
 * (`1.12`). With a mirror, the same path under the mirror's base.
 */
export function nightlyUrl(
  platform: JuliaPlatform,
  branch: string | undefined,
  mirrorBaseUrl?: string
): string {
  const where = nightlyPath(platform)
  if (!where) {
    throw new UserError(
      'version',
      `Julia publishes no nightly for ${platform.os} ${platform.arch}${platform.os === 'linux' ? ` (${platform.libc})` : ''}`,
      'Ask for a release instead (lts, 1, 1.10, …)'
    )
  }
  const base = mirrorBaseUrl ?? nightlyBaseUrl
  const branchFolder = branch ? `${branch}/` : ''
  return `${base}${where.folder}/${branchFolder}julia-latest-${where.suffix}.tar.gz`
}
