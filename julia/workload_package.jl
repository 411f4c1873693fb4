# The source of the generated workload package of a layered build (`JuliaSysimageWorkload`,
# copied as its src/JuliaSysimageWorkload.jl). Its precompilation replays the `precompile(...)`
# statements the dependency image and the own packages' images do not hold, so that their native
# code is cached in this package's image (Julia ≥ 1.9 keeps code compiled during a package's
# precompilation for methods of other modules in that package's image). Nothing runs when the
# package is loaded: the code is deserialized, not re-run.
#
# Files beside it, all written by julia-sysimage:
#   ../Project.toml  [deps]: the packages to load first (the project's own packages and its
#                    direct dependencies), so that the statements' names resolve
#   replay.jl        the statement resolver the image build uses too
#   statements.jl    `const STATEMENTS_HEX`: each statement's text, hex-encoded, so that no
#                    traced text is ever spliced into source code; `include`d, so an edit of the
#                    statements makes the package stale (by mtime on 1.10, by content on 1.11+)
module JuliaSysimageWorkload

# Statements are evaluated here: a module of this package, which Julia lets the package's own
# precompilation evaluate into.
module Staging end

# Precompilation only: each step a top-level statement of its own, so that what one defines is
# visible to the next (Julia ≥ 1.12 runs a top-level statement in the world it started in).
const generating = ccall(:jl_generating_output, Cint, ()) == 1

function load_dependencies()
    project = Base.parsed_toml(joinpath(dirname(@__DIR__), "Project.toml"))
    for name in sort!(collect(keys(get(project, "deps", Dict{String,Any}()))))
        Base.require(@__MODULE__, Symbol(name))
    end
end

function replay_all()
    counts = Dict("statements" => 0, "used" => 0, "unparsable" => 0, "unresolvable" => 0, "failed" => 0)
    for hex in STATEMENTS_HEX
        counts["statements"] += 1
        outcome = try
            replay_statement(String(hex2bytes(hex)))[1]
        catch
            "failed"
        end
        counts[outcome] += 1
    end
    # julia-sysimage asks for the counts through ENV; a precompilation Julia starts by itself
    # (a stale layer at run time) has no such variable and writes nothing
    report = get(ENV, "JULIA_SYSIMAGE_WORKLOAD_REPORT", "")
    isempty(report) && return
    open(report, "w") do io
        for (key, value) in sort!(collect(counts))
            println(io, key, '\t', value)
        end
    end
end

generating && load_dependencies()
generating && include("replay.jl")
generating && include("statements.jl")
generating && replay_all()

end
