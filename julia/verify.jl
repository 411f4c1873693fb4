# Run as `julia -J <image> verify.jl PACKAGES RESULT`: reports which image was loaded and
# whether each package of PACKAGES ("<uuid> <name>" lines) is already in it (no loading needed).
const packages_file, result_file = ARGS[1], ARGS[2]
open(result_file, "w") do io
    println(io, "image\t", unsafe_string(Base.JLOptions().image_file))
    for line in eachline(packages_file)
        fields = split(strip(line))
        length(fields) == 2 || continue
        id = Base.PkgId(Base.UUID(String(fields[1])), String(fields[2]))
        println(io, "package\t", fields[2], '\t', haskey(Base.loaded_modules, id))
    end
end
