# Prints facts about this Julia as "key<TAB>value" lines (Julia 1.5 has no JSON in its stdlib).
# Run as `julia --startup-file=no probe.jl`; julia-sysimage parses the output.
using Libdl

"The loaded library whose file name starts with `prefix` followed by a dot, or an empty string."
function loaded_library(prefix)
    for lib in Libdl.dllist()
        name = basename(lib)
        startswith(name, prefix * ".") && return abspath(lib)
    end
    return ""
end

"""
True when the running Julia exports `name`: in the process's global namespace or in libjulia(-internal).
Asked with `dlsym_e`, which returns NULL rather than throwing.
"""
function exports_symbol(name::Symbol)
    handles = [unsafe_load(cglobal(:jl_RTLD_DEFAULT_handle, Ptr{Cvoid}))]
    for lib in (loaded_library("libjulia-internal"), loaded_library("libjulia"))
        isempty(lib) || push!(handles, Libdl.dlopen(lib))
    end
    return any(h -> h != C_NULL && Libdl.dlsym_e(h, name) != C_NULL, handles)
end

libjulia = loaded_library("libjulia")
facts = [
    "version" => string(VERSION),
    "commit" => Base.GIT_VERSION_INFO.commit,
    "bindir" => Sys.BINDIR,
    "image" => unsafe_string(Base.JLOptions().image_file),
    "os" => string(Sys.KERNEL),
    "arch" => string(Sys.ARCH),
    "cpu_name" => Sys.CPU_NAME,
    "dlext" => Libdl.dlext,
    "llvm" => string(Base.libllvm_version),
    "libjulia" => libjulia,
    "libjulia_internal" => loaded_library("libjulia-internal"),
    "libjulia_unversioned" => string(!isempty(libjulia) && isfile(joinpath(dirname(libjulia), "libjulia." * Libdl.dlext))),
    "private_libexecdir" => isdefined(Base, :PRIVATE_LIBEXECDIR) ? Base.PRIVATE_LIBEXECDIR : "",
    "macos_product_version" => isdefined(Base, :MACOS_PRODUCT_VERSION) ? string(Base.MACOS_PRODUCT_VERSION) : "",
    # chained images (JuliaLang/julia PR #46045) need this entry point; official Julia lacks it
    "chained_entry_point" => string(exports_symbol(:jl_precompiles_for_sysimage)),
    "macos_platform_version" => isdefined(Base, :MACOS_PLATFORM_VERSION) ? string(Base.MACOS_PLATFORM_VERSION) : "",
]
for (key, value) in facts
    println(key, '\t', value)
end
# the depots of this environment, in order (a layered build's checks put a depot before them)
for depot in DEPOT_PATH
    println("depot\t", depot)
end
