# Resolving and replaying `precompile(...)` statements, shared by the image build (object_steps.jl)
# and the generated workload package of a layered build (its precompilation replays them).
# The includer defines `Staging`, the module statements are evaluated in, before including
# this file: an anonymous module in the image build; a submodule of the package being
# precompiled in the workload package (Julia refuses evaluation into a module that is not part
# of the package being precompiled, "Evaluation into the closed module").
# Works on Julia 1.5 through 1.13.

# Loaded modules by name; names that are ambiguous (two packages with one name) map to nothing.
function modules_by_name()
    found = Dict{Symbol,Union{Module,Nothing}}()
    for (_, mod) in Base.loaded_modules
        name = nameof(mod)
        found[name] = haskey(found, name) && found[name] !== mod ? nothing : mod
    end
    return found
end
const by_name = modules_by_name()

# Bindings are looked up in the latest world (`Base.invokelatest`): a root bound below by
# `Core.eval` exists only in worlds after its definition, and the replay loop runs in the world
# it was called in. Julia 1.12 warns about reading a binding in a world before its definition
# ("binding world ages") and later versions refuse; on older Julia this changes nothing.
defined_latest(mod::Module, name::Symbol) = Base.invokelatest(isdefined, mod, name)
global_latest(mod::Module, name::Symbol) = Base.invokelatest(getfield, mod, name)

# Make a top-level module name visible in the staging module, if it can be found unambiguously.
function bind_root!(name::Symbol)
    defined_latest(Staging, name) && return true
    mod = get(by_name, name, nothing)
    mod === nothing && return false
    Core.eval(Staging, Expr(:const, Expr(:(=), name, mod)))
    return true
end

# The "does not resolve" answer of the functions below. Not `nothing`: that is a value a binding
# has (`Base.nothing`) and a type parameter can be (`Val{nothing}`).
struct Unresolved end
const unresolved = Unresolved()

# Resolve `A.B.C` without evaluating anything: every step must be a defined global.
function resolve_dotted(ex)
    if ex isa Symbol
        bind_root!(ex) || return unresolved
        return global_latest(Staging, ex)
    elseif ex isa Expr && ex.head === :. && length(ex.args) == 2 && ex.args[2] isa QuoteNode
        parent = resolve_dotted(ex.args[1])
        parent isa Module || return unresolved
        field = ex.args[2].value
        field isa Symbol && defined_latest(parent, field) || return unresolved
        return global_latest(parent, field)
    end
    return unresolved
end

# Only the forms Julia's type printer produces are accepted: anything else (assignments, macro
# calls, arbitrary function calls) is refused rather than evaluated.
const allowed_calls = (:typeof, :Symbol)

# The printer is `jl_static_show` (`jl_static_show_x_` in src/rtutils.c), which `--trace-compile`
# writes statements with (observed on 1.5.3 and 1.10.8; the same code on 1.11/1.12). A value
# inside a type that is neither a type nor a built-in number, Bool, Symbol or nothing it prints
# as a call of its type, in its "instance of a struct" branch:
#   - a value of a primitive type, as its bits: `T(0x<hex>)`, most significant byte first, as many
#     digits as the type has bytes. `Char(0x79000000)` (every `Dates.DatePart{'y'}`),
#     `Float16(0x3e00)`, `Int128(0xff…ff)`, an enum value `Base.Val{M.Fruit(0x00000001)}`, and on
#     Julia ≥ 1.11 `Core.AddrSpace{Core}(0x00)` in every `GenericMemory` type: 1.11 prints
#     `Memory{T}` as `GenericMemory{:not_atomic, T, Core.AddrSpace{Core}(0x00)}`; 1.12 shortens
#     `Memory{T}` but still prints `GenericMemoryRef` and `AtomicMemory` in full. Evaluating the
#     call would not give the value back (`Char(::UInt32)` reads a code point, an enum's
#     constructor checks the number; 1.11's `(AS::Type{AddrSpace{Backend}} where Backend)(x::UInt8)`
#     near the end of base/boot.jl does bitcast) and would run a method: the value is rebuilt
#     here with the intrinsic `bitcast`, only when `T` is a primitive type and the literal has
#     its size;
#   - a singleton (no fields, size 0) as `T()`: rebuilt as `T.instance`, no constructor called.
# Signed integers print in decimal (`Int32(5)` as `5`, which reads back as an Int64) and floats
# with C's `%g` (`-inf`, `1.5f`, `1` for 1.0): those cannot be rebuilt and are left as they are.
# `-Inf`, as Julia's `show` writes it (a statements file), is `-` of a name: `-` is accepted on a
# number or a name bound to a signed or floating-point number, negated with an intrinsic.
# A rebuilt value replaces the call in the expression as a `QuoteNode`, which evaluates to it.

# `T` of `T(lit)` or `T()`, evaluated: it must resolve on its own (no `where` variable in it)
function call_type(ex, bound::Vector{Symbol})
    mentions(ex, bound) && return unresolved
    resolved = resolve(ex, Symbol[])
    resolved === unresolved && return unresolved
    return Core.eval(Staging, resolved)
end
mentions(ex, names::Vector{Symbol}) =
    ex isa Symbol ? ex in names : ex isa Expr && any(a -> mentions(a, names), ex.args)

# The bits of `T(0x…)`: an unsigned literal, its type given by its number of hex digits. One of
# 17 to 32 digits both parsers (1.5's julia-parser.scm, JuliaSyntax from 1.10 on) leave as a call
# of the macro `Core.@uint128_str`: read here without running the macro.
function bits_literal(x)
    x isa Union{UInt8,UInt16,UInt32,UInt64,UInt128} && return x
    if x isa Expr && x.head === :macrocall && length(x.args) == 3 &&
       x.args[1] == GlobalRef(Core, Symbol("@uint128_str")) && x.args[3] isa String
        digits = x.args[3]
        if startswith(digits, "0x") && 17 <= length(digits) - 2 <= 32 &&
           all(c -> isxdigit(c), digits[3:end])
            return parse(UInt128, digits[3:end]; base = 16)
        end
    end
    return nothing
end

# The value of a primitive type's bits printed as `T(0x…)`, or of a singleton printed as `T()`.
function printed_value(ex::Expr, bound::Vector{Symbol})
    if length(ex.args) == 2 && bits_literal(ex.args[2]) !== nothing
        T = call_type(ex.args[1], bound)
        lit = bits_literal(ex.args[2])
        T isa DataType && isprimitivetype(T) && sizeof(T) == sizeof(lit) || return unresolved
        return QuoteNode(Core.Intrinsics.bitcast(T, lit))
    elseif length(ex.args) == 1
        T = call_type(ex.args[1], bound)
        T isa DataType && isdefined(T, :instance) || return unresolved
        return QuoteNode(T.instance)
    end
    return unresolved
end

# `-x`, where x is a number or a name bound to a (signed or floating-point) number.
function negative_value(ex::Expr)
    length(ex.args) == 2 || return unresolved
    x = ex.args[2]
    value = x isa Number ? x : resolve_dotted(x)
    value isa Base.IEEEFloat && return QuoteNode(Core.Intrinsics.neg_float(value))
    value isa Base.BitSigned && return QuoteNode(Core.Intrinsics.neg_int(value))
    return unresolved
end

# A `where` variable and the positions of its bounds in `var.args`, or nothing: the forms Julia's
# lowering reads on every version (`analyze-typevar` in src/julia-syntax.scm): `T`, `T<:ub`,
# `T>:lb` and `lb<:T<:ub`, jl_static_show's form for any variable with a lower bound
# (`Int64<:T<:Any` when there is no upper one). Lowering takes `a` as the variable of `a<:b`
# whatever `b` is (`where Int64<:T` declares a variable named Int64 bounded by T), and so does
# this. `ub>:T>:lb` is left out: 1.10 refuses it ("invalid bounds"), later versions accept it.
function typevar_parts(var)
    var isa Symbol && return var, Int[]
    var isa Expr || return nothing
    if (var.head === :<: || var.head === :>:) && length(var.args) == 2 && var.args[1] isa Symbol
        return var.args[1], [2]
    elseif var.head === :comparison && length(var.args) == 5 && var.args[3] isa Symbol &&
           var.args[2] === :<: && var.args[4] === :<:
        return var.args[3], [1, 5]
    end
    return nothing
end

# The type expression `ex` with the values above rebuilt, when every name in it resolves
# (`where`-bound names in `bound`); `unresolved` otherwise. Nothing in `ex` is evaluated but the
# types of the printed values, which pass this same check first.
function resolve(ex, bound::Vector{Symbol} = Symbol[])
    if ex isa Symbol
        return ex in bound || resolve_dotted(ex) !== unresolved ? ex : unresolved
    elseif ex isa QuoteNode || ex isa Number || ex isa String || ex isa Char || ex === nothing
        return ex
    elseif !(ex isa Expr)
        return unresolved
    elseif ex.head === :.
        return resolve_dotted(ex) !== unresolved ? ex : unresolved
    elseif ex.head === :curly || ex.head === :tuple || ex.head === :<: || ex.head === :>:
        args = resolve_all(ex.args, bound)
        return args === unresolved ? unresolved : Expr(ex.head, args...)
    elseif ex.head === :where
        inner = copy(bound)
        vars = Any[]
        for var in ex.args[2:end]
            parts = typevar_parts(var)
            parts === nothing && return unresolved
            name, positions = parts
            # the bounds may name the variables declared before this one, not this one
            if !isempty(positions)
                var = copy(var)
                for i in positions
                    var.args[i] = resolve(var.args[i], inner)
                    var.args[i] === unresolved && return unresolved
                end
            end
            push!(inner, name)
            push!(vars, var)
        end
        body = resolve(ex.args[1], inner)
        body === unresolved && return unresolved
        return Expr(:where, body, vars...)
    elseif ex.head === :call && !isempty(ex.args)
        if ex.args[1] in allowed_calls
            args = resolve_all(ex.args[2:end], bound)
            return args === unresolved ? unresolved : Expr(:call, ex.args[1], args...)
        elseif ex.args[1] === :-
            return negative_value(ex)
        end
        return printed_value(ex, bound)
    end
    return unresolved
end

function resolve_all(args, bound::Vector{Symbol})
    resolved = Any[resolve(a, bound) for a in args]
    return any(a -> a === unresolved, resolved) ? unresolved : resolved
end

# Replays one statement: ("used", type) or (why it was skipped, nothing).
function replay_statement(line)
    ex = Meta.parse(line; raise = false)
    if !(ex isa Expr && ex.head === :call && ex.args[1] === :precompile && length(ex.args) == 2)
        return "unparsable", nothing
    end
    signature = resolve(ex.args[2])
    signature === unresolved && return "unresolvable", nothing
    tt = Core.eval(Staging, signature)
    return tt isa Type && precompile(tt) ? ("used", tt) : ("failed", nothing)
end
