# Runs inside `julia --output-o <object> --sysimage <base> object.jl PACKAGES STATEMENTS REPORT [chained] [--variants=VARIANTS] [--loaded=LOADED] [--hook=HOOK --held=HELD]`.
#
# In output mode the base image's `__init__` functions have not run, so stdio, paths and the load
# path must be re-initialised before anything else. Inputs arrive only as files named in ARGS:
#   PACKAGES   one package per line: "<uuid> <name>", loaded into the image in that order
#   STATEMENTS one `precompile(...)` statement per line, already filtered by julia-sysimage
#   REPORT     written here: "key<TAB>value" lines with the replay counts
#   chained    (with `--sysimage-native-code=chained`, Julia carrying PR #46045) emit only the code
#              precompiled after the packages are loaded; the base's code is linked in afterwards
#   VARIANTS   statements added by julia-sysimage for other kinds of stdout (a traced statement
#              with `Base.PipeEndpoint` also as `Base.IOStream`, `Base.TTY`, ...): replayed after
#              STATEMENTS, counted apart (`variants_*`), not listed one by one in the report
#   LOADED     "<uuid> <name>" of every module the traced workload had loaded; those not in the
#              image yet are loaded too (reported as `added`, or `not_loadable` with the reason)
#   HOOK       the image's start-up hook (julia/layer_hook.jl), a module built in after the packages
#   HELD       "uuid<TAB>name<TAB>version<TAB>git-tree-sha1" of the packages the image holds, kept
#              in the hook for its warning of a version mix
# Works on Julia 1.5 through 1.13. It avoids throwing exceptions in the normal path: names are
# checked with `isdefined` before a statement is evaluated (Debian's 1.5.3 dies on
# any exception when run against a newer libunwind).

# Stdio must be set up first in output mode: printing before it crashes the output process. In
# a plain process (the replay tests run this script without --output-o) Julia has set it up
# already, and doing it again leaves two libuv handles on each of fds 0-2: seen on Julia 1.12.6
# here with stdio sockets (as Node gives a child), the old handles' finalizers and the exit
# hook's close then corrupt the heap and the process hangs at exit.
ccall(:jl_generating_output, Cint, ()) == 1 && Base.reinit_stdio()
Sys.__init__()        # Sys.BINDIR, Sys.STDLIB, CPU info
Base.init_depot_path()
Base.init_load_path()
isdefined(Base, :init_active_project) && Base.init_active_project()

# Everything else runs in a fresh module that no name refers to: the image's Main stays as empty
# as plain Julia's (a workload run with the image can define `counts` or `loaded` itself), and
# no path of this build is kept. The included file is dropped from the list of included files.
let included = length(Base._included_files)
    Base.include(Module(:JuliaSysimageBuild), joinpath(@__DIR__, "object_steps.jl"))
    resize!(Base._included_files, included)
end
