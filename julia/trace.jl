# The driver for workload runs, used both to record statements (`--trace-compile`) and to measure
# time to load and time to first work, with and without the image, so that both runs compile the
# same code. Arguments (paths only; nothing from them is evaluated as code):
#   ARGS[1]    packages file: "<uuid> <name>" per line, loaded before the workloads run
#   ARGS[2]    result file: "key<TAB>value" lines with epoch timestamps, then "module<TAB>uuid<TAB>name"
#              for every loaded module
#   ARGS[3:end] workload scripts, included into Main one after another
const started_at = time()
const packages_file, result_file = ARGS[1], ARGS[2]
const workloads = ARGS[3:end]

for line in eachline(packages_file)
    fields = split(strip(line))
    length(fields) == 2 || continue
    Base.require(Base.PkgId(Base.UUID(String(fields[1])), String(fields[2])))
end
const loaded_at = time()

empty!(ARGS)  # the workloads see the ARGS a plain `julia workload.jl` would give them
for workload in workloads
    Base.include(Main, abspath(workload))  # relative to the working directory, not this file
end
const done_at = time()

open(result_file, "w") do io
    println(io, "started_at\t", started_at)
    println(io, "loaded_at\t", loaded_at)
    println(io, "done_at\t", done_at)
    # every module with a package identity loaded by now (the packages, what they and the
    # workloads loaded, stdlibs): the image build loads those not in the image yet
    for id in keys(Base.loaded_modules)
        id.uuid === nothing || println(io, "module\t", id.uuid, '\t', id.name)
    end
end
