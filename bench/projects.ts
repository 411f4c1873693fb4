import path from 'node:path'
import type { ProjectName } from './args.js'

export interface BenchProject {
  name: ProjectName
  /** Folder with Project.toml and Manifest.toml. */
  dir: string
  workload: string
  description: string
}

/** The projects the benchmark builds, from the smallest to the largest. */
export function benchProjects(repoRoot: string): Record<ProjectName, BenchProject> {
  const hello = path.join(repoRoot, 'examples', 'hello')
  const catalog = path.join(repoRoot, 'bench', 'projects', 'catalog')
  return {
    hello: {
      name: 'hello',
      dir: hello,
      workload: path.join(hello, 'workload.jl'),
      description: 'the bundled example: one small package'
    },
    catalog: {
      name: 'catalog',
      dir: catalog,
      workload: path.join(catalog, 'workload.jl'),
      description:
        'four packages (tables, statistics, text readers, reports) and an analysis script'
    }
  }
}
