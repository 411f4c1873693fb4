# The driver of workload runs, used both to record statements (`--trace-compile`) and to measure
# time to load and time to first work, with and without the image. It is loaded with `-L` ahead
# of the workload itself:
#
#     julia [flags] -L trace.jl workload.jl
#
# so the workload runs exactly as `julia workload.jl` runs it: Julia itself sets `PROGRAM_FILE`
# and an empty `ARGS`, includes the script into `Main`, calls a `@main` entry point afterwards
# (Julia ≥ 1.11, base/client.jl `_start`), and an `exit()` anywhere ends the run as usual.
# The driver's result is written by an `atexit` hook, which Julia runs after all of that, also on
# `exit()` and after an error.
#
# It binds no name in `Main` (everything is local to the `let` below), so a workload may define
# any name it likes. Its inputs come through the environment (paths only; nothing is evaluated
# as code) and are removed from `ENV` before the workload starts:
#   JULIA_SYSIMAGE_PACKAGES  "<uuid> <name>" per line: loaded before the workload runs
#   JULIA_SYSIMAGE_RESULT    written at exit: "key<TAB>value" lines with epoch timestamps, then
#                            "module<TAB>uuid<TAB>name" for every loaded module
let packages_file = pop!(ENV, "JULIA_SYSIMAGE_PACKAGES"),
    result_file = pop!(ENV, "JULIA_SYSIMAGE_RESULT")

    started_at = time()
    for line in eachline(packages_file)
        fields = split(strip(line))
        length(fields) == 2 || continue
        Base.require(Base.PkgId(Base.UUID(String(fields[1])), String(fields[2])))
    end
    loaded_at = time()

    # Hooks run last-registered first, so this one runs after any the workload registers.
    atexit() do
        done_at = time()
        open(result_file, "w") do io
            println(io, "started_at\t", started_at)
            println(io, "loaded_at\t", loaded_at)
            println(io, "done_at\t", done_at)
            # every module with a package identity loaded by now (the packages, what they and
            # the workload loaded, stdlibs): the image build loads those not in the image yet
            for id in keys(Base.loaded_modules)
                id.uuid === nothing || println(io, "module\t", id.uuid, '\t', id.name)
            end
        end
    end
end
