# Builds the package-image layers of a layered image: run as
#
#     julia --sysimage=<dependency image> --project=<project> layers.jl LAYERS PACKAGES REPORT
#
# with the flags users run with (package images on, no `--pkgimages=no`): a package image is
# valid only for the flags and the exact system image it was built with.
#   LAYERS    the layer folder: its `depot/` becomes the first depot, so that new package images
#             are written there, and its `env/` is added to the load path (the workload package)
#   PACKAGES  "<uuid> <name>" per line, dependencies first: each is loaded, and precompiled first
#             when Julia finds no valid image of it (`Base.require` does that itself); then
#             "extension <parent uuid> <parent name> <name> <trigger uuid> <trigger name>..."
#             per package extension: its parent and triggers are loaded, which makes Julia load
#             (and first precompile) the extension (base/loading.jl `run_extension_callbacks`,
#             Julia 1.9 to 1.13); its image is reported like a package's
#   REPORT    written here, "key<TAB>..." lines:
#               package <name> <precompiled|built> <seconds> <cache file>
#               failed <name>   (then the process exits with 2; Julia printed the error)
# Julia ≥ 1.9; `Base.isprecompiled` is there from 1.10 on, so on 1.9 every package reports `built`.
layers, packages_file, report_file = ARGS
const layer_depot = joinpath(layers, "depot")
pushfirst!(DEPOT_PATH, layer_depot)
push!(LOAD_PATH, joinpath(layers, "env"))

pkgid(uuid, name) = Base.PkgId(Base.UUID(String(uuid)), String(name))

# (id, the packages whose loading loads it): a package loads itself, an extension is loaded by
# Julia once its parent and triggers are
steps = Tuple{Base.PkgId, Vector{Base.PkgId}}[]
for line in eachline(packages_file)
    fields = split(strip(line))
    if length(fields) == 2
        id = pkgid(fields...)
        push!(steps, (id, [id]))
    elseif length(fields) >= 6 && iseven(length(fields)) && fields[1] == "extension"
        parent = pkgid(fields[2], fields[3])
        # an extension's identity, as Julia gives it (base/loading.jl, 1.9 to 1.13)
        ext = Base.PkgId(Base.uuid5(parent.uuid, String(fields[4])), String(fields[4]))
        push!(steps, (ext, [[pkgid(fields[i], fields[i+1]) for i in 5:2:length(fields)]; parent]))
    end
end

in_layer(file) = startswith(file, layer_depot * Base.Filesystem.path_separator)

# before anything is loaded: an extension loads with its parent when its triggers already are
valid = Dict(id => isdefined(Base, :isprecompiled) && Base.isprecompiled(id) for (id, _) in steps)

open(report_file, "w") do io
    for (id, loads) in steps
        valid_before = valid[id]
        seconds = @elapsed try
            foreach(Base.require, loads)
            haskey(Base.loaded_modules, id) || error("Julia did not load the extension $(id.name) after its parent and triggers")
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
