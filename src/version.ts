/** julia-sysimage's own version (kept equal to package.json's by a unit test). */
export const toolVersion = '0.1.0'
