# The start-up hook of a layered image, loaded with `-L` by the launcher beside the image:
#
#     julia --sysimage=<image> -L <image>.layers/hook.jl [the user's arguments]
#
# A layered image is three layers: the system image (Base, stdlibs, registry dependencies), the
# package images of the project's own packages, and the generated workload package, whose image
# holds the code the workload compiles on top of them. The last two live in the `depot/` folder
# beside this file, and the workload package is found through the environment in `env/`.
# This hook:
#   - appends that depot to DEPOT_PATH (after the user's: new caches still go to the user's own
#     first depot) and that environment to LOAD_PATH (after the user's, so it never hides one of
#     the user's packages);
#   - loads the workload package as soon as one of its trigger packages (the project's own
#     packages, or its dependencies when it has none) is loaded, through `Base.package_callbacks`.
#     Julia runs those callbacks after a package is loaded, with the loading lock released
#     (base/loading.jl `run_package_callbacks`, Julia 1.9 to 1.13); the API is documented as
#     experimental, hence the `try`.
# It binds no name in `Main`. Its configuration is `layers.txt` beside it: "key<TAB>uuid<TAB>name"
# lines, keys `trigger` and `workload`. Paths are found from this file's own folder, so the image,
# this folder and the launcher can move together.
let layers = @__DIR__
    push!(DEPOT_PATH, joinpath(layers, "depot"))
    push!(LOAD_PATH, joinpath(layers, "env"))
    triggers = Set{Base.PkgId}()
    workload = nothing
    config = joinpath(layers, "layers.txt")
    if isfile(config)
        for line in eachline(config)
            fields = split(line, '\t')
            length(fields) == 3 || continue
            id = Base.PkgId(Base.UUID(String(fields[2])), String(fields[3]))
            fields[1] == "trigger" && push!(triggers, id)
            fields[1] == "workload" && (workload = id)
        end
    end
    if workload !== nothing && ccall(:jl_generating_output, Cint, ()) == 0
        wanted = workload
        state = Ref(:waiting)  # :waiting → :triggered (a trigger loaded) → :done
        push!(Base.package_callbacks, function (id)
            state[] === :done && return
            id in triggers && (state[] = :triggered)
            state[] === :triggered || return
            # The workload package depends on the triggers: it may load only once no package is
            # being loaded, or Julia reports a cycle ("deadlock detected in loading"). A trigger
            # loaded as a dependency of another package gets here while that one is still
            # loading; the callback of the outermost package, which Julia runs after its load has
            # ended, finds none in progress (base/loading.jl `package_locks`, Julia 1.9 to 1.13;
            # Julia defers package extensions by the same test).
            loading = isdefined(Base, :package_locks) && !isempty(Base.package_locks)
            loading && return
            state[] = :done
            try
                Base.require(wanted)
            catch err
                @debug "julia-sysimage: the workload layer was not loaded" exception = err
            end
        end)
    end
end
