/**
 * The Julia installer: its one entry point. Resolves a version spec (`1.10`, `lts`, `min`,
 * `nightly`, …) against the official versions list, downloads and verifies the tarball, keeps it
 * in the tool cache, or takes a Julia from a path. Nothing outside src/install/ reaches past this
 * file; the download and tool-cache helpers are shared with the LLVM tools of chained builds.
 */
export { selectJulia, type JuliaRequest, type SelectedJulia } from './select.js'
export { installJulia, type InstallRequest } from './install.js'
export { hostLibc, type JuliaArch, type Libc } from './platform.js'
export { downloadFile, makeDownloadDir, verifySha256 } from './download.js'
export { normalizeBaseUrl } from './download-urls.js'
export {
  isCompleteInstall,
  makeStagingDir,
  moveIntoPlace,
  resolveToolCacheDir
} from './tool-cache.js'
