# Runs inside `julia --output-o <base archive> --sysimage <Julia's own image> base_archive.jl`.
#
# Chained images (JuliaLang/julia PR #46045) link new code onto the object archive of their base
# image. Official Julia ships the image but not its archive, so julia-sysimage regenerates it: an
# output process that loads nothing and runs nothing writes the base image again, with all of its
# native code, for the chosen CPU target. The image linked from this archive is the base the
# chained build starts from, so the two always match.
nothing
