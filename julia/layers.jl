# Builds the package-image layers of a layered image: run as
#
#     julia --sysimage=<dependency image> --project=<project> layers.jl LAYERS PACKAGES REPORT
#
# with the flags users run with (package images on, no `--pkgimages=no`): a package image is
# valid only for the flags and the exact system image it was built with.
#   LAYERS    the layer folder: its `depot/` becomes the first depot, so that new package images
#             are written there, and its `env/` is added to the load path (the workload package)
#   PACKAGES  "<uuid> <name>" per line, dependencies first: each is loaded, and precompiled first
#             when Julia finds no valid image of it (`Base.require` does that itself)
#   REPORT    written here, "key<TAB>..." lines:
#               package <name> <precompiled|built> <seconds> <cache file>
#               failed <name>   (then the process exits with 2; Julia printed the error)
# Julia ≥ 1.9; `Base.isprecompiled` is there from 1.10 on, so on 1.9 every package reports `built`.
layers, packages_file, report_file = ARGS
const layer_depot = joinpath(layers, "depot")
pushfirst!(DEPOT_PATH, layer_depot)
push!(LOAD_PATH, joinpath(layers, "env"))

ids = Base.PkgId[]
for line in eachline(packages_file)
    fields = split(strip(line))
    length(fields) == 2 && push!(ids, Base.PkgId(Base.UUID(String(fields[1])), String(fields[2])))
end

in_layer(file) = startswith(file, layer_depot * Base.Filesystem.path_separator)

open(report_file, "w") do io
    for id in ids
        valid_before = isdefined(Base, :isprecompiled) && Base.isprecompiled(id)
        seconds = @elapsed try
            Base.require(id)
        catch err
            println(io, "failed\t", id.name)
            flush(io)
            showerror(stderr, err)
            println(stderr)
            exit(2)
        end
        origin = get(Base.pkgorigins, id, nothing)
        cachefile = origin === nothing || origin.cachepath === nothing ? "" : origin.cachepath
        # a valid image in another depot (built for this same image by an earlier run into the
        # user's depot) would leave the layer without one: build one into the layer too
        if !in_layer(cachefile)
            seconds += @elapsed cachefile = first(Base.compilecache(id))
            valid_before = false
        end
        println(io, "package\t", id.name, '\t', valid_before ? "precompiled" : "built", '\t', seconds, '\t', cachefile)
        flush(io)
    end
end
