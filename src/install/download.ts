import { promises as fs } from 'node:fs'
import os from 'node:os'
import path from 'node:path'
import * as tc from '@actions/tool-cache'
import { sha256File } from '../util/hash.js'
import { UserError, errorMessage } from '../errors.js'

/** How tool-cache's `downloadTool` tries a URL before giving up (it retries 5xx and dropped connections). */
export const downloadAttempts = 3

/**
 * A fresh folder for downloads to wait in until verified: under `tempDir`, else RUNNER_TEMP,
 * else the OS temp folder. The caller removes it.
 */
export async function makeDownloadDir(tempDir: string | undefined): Promise<string> {
  const parent = tempDir ?? process.env.RUNNER_TEMP ?? os.tmpdir()
  await fs.mkdir(parent, { recursive: true })
  return fs.mkdtemp(path.join(parent, 'julia-sysimage-download-'))
}

/**
 * Downloads `url` to `dest` with tool-cache (proxy settings, redirects, retries with a pause).
 * Failures become one UserError naming the URL: `input` is the input to blame (`download-url`
 * when the user chose the server) and `what` says what was being fetched (`Julia 1.10.4`).
 * `notFoundFix` replaces the advice for a 404, which by default is about Julia releases.
 */
export async function downloadFile(
  url: string,
  dest: string,
  what: string,
  input: string,
  notFoundFix?: string
): Promise<void> {
  try {
    await tc.downloadTool(url, dest)
  } catch (error) {
    await fs.rm(dest, { force: true })
    if (error instanceof tc.HTTPError) {
      const status = error.httpStatusCode
      if (status === 404) {
        throw new UserError(
          input,
          `${url} answered 404 Not Found (${what})`,
          notFoundFix ??
            (input === 'download-url'
              ? 'Check that the mirror serves this file at the same path as https://julialang-s3.julialang.org/bin/'
              : 'Choose another version; this one may have been withdrawn')
        )
      }
      throw new UserError(
        input,
        `${url} answered HTTP ${status ?? '(no status)'} (${what})`,
        'Check the server; rerun to try again'
      )
    }
    throw new UserError(
      input,
      `downloading ${url} failed after ${downloadAttempts} attempts (${what}): ${errorMessage(error)}`,
      'Check the network connection or the mirror; rerun to try again'
    )
  }
}

/**
 * Checks a download against the checksum from the release index (or `listedIn`, whatever else
 * listed it) before anything reads it. On a mismatch the file is deleted, so a corrupt or
 * tampered archive is never unpacked or cached.
 */
export async function verifySha256(
  file: string,
  expected: string,
  url: string,
  expectedSize?: number,
  listedIn: string = 'the release index'
): Promise<void> {
  const actual = await sha256File(file)
  if (actual === expected.toLowerCase()) return
  const size = (await fs.stat(file)).size
  await fs.rm(file, { force: true })
  const sizeNote =
    expectedSize !== undefined && expectedSize !== size
      ? `; got ${size} bytes, ${listedIn} says ${expectedSize}`
      : ''
  throw new UserError(
    'download',
    `the sha256 of ${url} is ${actual}, ${listedIn} says ${expected}${sizeNote}; the file was deleted and nothing was installed`,
    `Rerun to download it again; if it persists, the mirror or a proxy serves a different file than ${listedIn} describes`
  )
}
