# The benchmark's workload: read a shop's sales, product catalogue, sensor log, configuration and
# server log from text, summarize, join, pivot and report on them, as a small analysis script
# would. The data is generated (deterministically) so the project needs no data files.
using Columns, Summaries, TextReader, Tabulate
using Dates

# a tiny linear congruential generator: the same data on every run and Julia version
mutable struct Lcg
    state::UInt64
end
next!(g::Lcg) = (g.state = g.state * 6364136223846793005 + 1442695040888963407; g.state >> 33)
uniform!(g::Lcg) = next!(g) / 2.0^31
pick!(g::Lcg, xs) = xs[1 + Int(next!(g) % length(xs))]

const REGIONS = ["north", "south", "east", "west", "central"]
const PRODUCTS = ["anvil", "bolt", "cable", "drill", "easel", "funnel", "gasket", "hinge",
    "inkpad", "jigsaw", "kettle", "ladder"]
const CATEGORIES = ["tools", "hardware", "home", "office"]

function sales_csv(g::Lcg, n::Int)
    io = IOBuffer()
    println(io, "date,region,product,units,price,discount,returned,note")
    for i in 1:n
        date = Date(2023, 1, 1) + Day(Int(next!(g) % 365))
        units = 1 + Int(next!(g) % 20)
        price = round(5 + 95 * uniform!(g); digits = 2)
        discount = uniform!(g) < 0.3 ? "" : string(round(0.3 * uniform!(g); digits = 2))
        returned = uniform!(g) < 0.05 ? "yes" : "no"
        note = uniform!(g) < 0.1 ? "\"rush, gift wrap\"" : uniform!(g) < 0.2 ? "NA" : "standard"
        println(io, join((date, pick!(g, REGIONS), pick!(g, PRODUCTS), units, price, discount, returned, note), ','))
    end
    return String(take!(io))
end

function products_csv(g::Lcg)
    io = IOBuffer()
    println(io, "product;category;weight_kg;supplier;active")
    for p in PRODUCTS
        println(io, join((p, pick!(g, CATEGORIES), round(0.1 + 20 * uniform!(g); digits = 3),
            pick!(g, ["Acme", "Globex", "Initech"]), uniform!(g) < 0.8), ';'))
    end
    return String(take!(io))
end

function sensors_fixed(g::Lcg, n::Int)
    io = IOBuffer()
    for i in 1:n
        station = 100 + Int(next!(g) % 8)
        temp = uniform!(g) < 0.08 ? "" : string(round(-5 + 35 * uniform!(g); digits = 1))
        humidity = uniform!(g) < 0.05 ? "" : string(20 + Int(next!(g) % 70))
        day = Date(2023, 6, 1) + Day(i ÷ 8)
        println(io, rpad(string(station), 6), rpad(temp, 8), rpad(humidity, 5), day)
    end
    return String(take!(io))
end

function server_log(g::Lcg, n::Int)
    io = IOBuffer()
    t0 = DateTime(2023, 3, 4, 8, 0, 0)
    for i in 1:n
        t = t0 + Second(i * 7 + Int(next!(g) % 5))
        level = pick!(g, ["INFO", "INFO", "INFO", "WARN", "ERROR"])
        ms = Int(next!(g) % 900) + 5
        user = pick!(g, ["ana", "bo", "chen", "dee"])
        status = level == "ERROR" ? 500 : 200
        println(io, Dates.format(t, dateformat"yyyy-mm-ddTHH:MM:SS"), " ", level,
            " request served path=/api/", pick!(g, PRODUCTS), " ms=", ms, " user=", user,
            " status=", status, i % 10 == 0 ? " note=\"slow disk\"" : "")
    end
    println(io, "not a log line")
    return String(take!(io))
end

const CONFIG = """
# shop report settings
title = "Quarterly shop report"
[report]
top = 5
digits = 2
regions = ["north", "south", "east"]
include_returns = false
threshold = 250.5
[charts]
width = 30
"""

"""
The same questions asked of any table: how `value` spreads per `key`, its distribution and the
rows where it is largest. Called on columns of different types, as analysis scripts do.
"""
function profile!(report::Report, t::Table, key::Symbol, value::Symbol)
    section!(report, "Profile: $(value) by $(key)")
    table!(report, sortby(group_summary(t, key, value), key))
    xs = column(t, value)
    q = quantile(xs, [0.1, 0.5, 0.9])
    paragraph!(report, "p10 $(fmt(q[1])), p50 $(fmt(q[2])), p90 $(fmt(q[3])); " *
        "$(length(frequencies(column(t, key)))) keys, top $(fmt(first(first(top_values(column(t, key), 1)))))")
    h = histogram(xs, 5)
    chart!(report, [fmt(h.edges[k]; digits = 1) for k in 1:length(h)], h.counts)
    table!(report, leaderboard(select(t, key, value), value, 3))
    return report
end

function main(io::IO)
    g = Lcg(0x5eed)
    config = read_config(CONFIG)
    settings = config["report"]
    digits = settings["digits"]::Int

    sales = read_csv(sales_csv(g, 600))
    products = read_csv(products_csv(g); delim = ';')
    sensors = read_fixed(sensors_fixed(g, 240), [:station, :temperature, :humidity, :day], [6, 8, 5, 10])
    log = read_log(server_log(g, 300))

    # derived columns of several element types
    sales = transform(sales, (u, p) -> u * p, :gross, :units, :price)
    sales = transform(sales, (x, d) -> ismissing(d) ? x : x * (1 - d), :revenue, :gross, :discount)
    sales = transform(sales, d -> month(d), :month, :date)
    sales = transform(sales, d -> string(year(d), "-Q", (month(d) - 1) ÷ 3 + 1), :quarter, :date)
    sales = transform(sales, r -> r > settings["threshold"], :large, :revenue)
    kept = settings["include_returns"] ? sales : filter_column(r -> !r, sales, :returned)
    joined = innerjoin(kept, products, :product)
    active = filter_rows(r -> r.active && r.units > 2, joined)

    report = Report(config[""]["title"])
    paragraph!(report, "$(nrow(sales)) sales read, $(nrow(kept)) kept, $(nrow(active)) of active products.")
    section!(report, "Sales columns")
    table!(report, describe(sales); digits = digits)
    section!(report, "Revenue by region")
    byregion = sortby(group_summary(kept, :region, :revenue), :total; rev = true)
    table!(report, byregion; digits = digits)
    chart!(report, column(byregion, :region), column(byregion, :total))
    section!(report, "Revenue by category and quarter")
    table!(report, pivot(joined, :category, :quarter, :revenue, sum); digits = 0)
    section!(report, "Units by region and month")
    table!(report, pivot(kept, :region, :month, :units, sum))
    section!(report, "Mean price by supplier and category")
    table!(report, pivot(joined, :supplier, :category, :price, mean))
    section!(report, "Top sales")
    table!(report, select(leaderboard(active, :revenue, settings["top"]), :rank, :date, :region, :product, :revenue))

    g2 = groupby(joined, :supplier, :category)
    table!(report, sortby(combine(g2, :units => sum => :units, :revenue => sum => :revenue,
        :weight_kg => mean => :mean_weight), :supplier, :category))
    counts, rows_, cols_ = crosstab(kept, :region, :product)
    paragraph!(report, "$(length(counts)) region/product pairs over $(length(rows_)) regions and $(length(cols_)) products.")
    wanted = settings["regions"]
    subset = filter_column(r -> r in wanted, kept, :region)
    paragraph!(report, "Regions $(join(wanted, ", ")): revenue $(fmt(sum(column(subset, :revenue))))," *
        " correlation of price and units $(fmt(correlation(column(subset, :price), column(subset, :units)); digits = 3)).")

    # sensors: missing values, moving averages, histograms, ranks
    section!(report, "Sensors")
    table!(report, describe(sensors))
    table!(report, group_summary(sensors, :station, :temperature))
    table!(report, group_summary(sensors, :station, :humidity))
    temps = column(sortby(sensors, :day, :station), :temperature)
    smooth = moving_average(temps, 8)
    paragraph!(report, "Last smoothed temperature $(fmt(smooth[end])), median humidity " *
        "$(fmt(median(column(sensors, :humidity)))), $(nmissing(temps)) readings missing.")
    h = histogram(temps, 8)
    chart!(report, [string(fmt(h.edges[k]; digits = 1), "–", fmt(h.edges[k + 1]; digits = 1)) for k in 1:length(h)], h.counts)
    filled = fillmissing(sensors, :temperature, 0.0)
    paragraph!(report, "Outliers: $(length(outliers(column(filled, :temperature), 1.5))); " *
        "top rank $(maximum(skipmissing(ranks(column(sensors, :humidity)))))")
    z = zscores(column(sensors, :humidity))
    paragraph!(report, "z of first reading: $(fmt(first(skipmissing(z)); digits = 3))")

    # server log: symbols, date-times, sparse fields
    section!(report, "Server log")
    table!(report, describe(log))
    table!(report, group_summary(log, :level, :ms))
    table!(report, group_summary(log, :user, :ms))
    errors = filter_column(l -> l === :error, log, :level)
    paragraph!(report, "$(nrow(errors)) errors; slowest: $(fmt(maximum(column(log, :ms)))) ms; " *
        "p95 $(format_duration(quantile(column(log, :ms), 0.95) / 1000)); " *
        "notes $(length(collect(skipmissing(column(log, :note)))))")
    table!(report, head(sortby(log, :ms; rev = true), 3))
    lvl = frequencies(column(log, :level))
    chart!(report, collect(keys(lvl)), collect(values(lvl)))

    # growth: cumulative and percent change by month, with weighted means
    monthly = sortby(combine(groupby(kept, :month), :revenue => sum => :revenue, :units => sum => :units), :month)
    addcolumn!(monthly, :cumulative, cumulative(column(monthly, :revenue)))
    addcolumn!(monthly, :change, percent_change(column(monthly, :revenue)))
    section!(report, "Monthly")
    table!(report, monthly)
    paragraph!(report, "Unit-weighted mean price $(fmt(weighted_mean(column(kept, :price), column(kept, :units)))); " *
        "spread $(format_percent(stddev(column(kept, :revenue)) / mean(column(kept, :revenue))))")

    # round trips through text in both formats and both renderers
    out = IOBuffer()
    write_csv(out, monthly)
    again = read_csv(String(take!(out)))
    nrow(again) == nrow(monthly) || error("CSV round trip lost rows")
    write_csv(out, head(joined, 20); delim = '\t')
    tsv = read_csv(String(take!(out)); delim = '\t', types = Dict{Symbol,Type}(:units => Float64))
    paragraph!(report, "Round trips: $(nrow(again)) monthly rows, $(nrow(tsv)) joined rows ($(eltype(column(tsv, :units))) units); " *
        "catalogue $(format_bytes(sizeof(products_csv(Lcg(1))))), " *
        "all sales $(format_bytes(sizeof(sales_csv(Lcg(2), 50)) * 12))")
    stacked = vcat_tables(select(head(sales, 3), :region, :units), select(tail(sales, 2), :region, :units))
    paragraph!(report, "Stacked $(nrow(stacked)) rows of $(join(distinct(stacked, :region), ", ")).")
    lj = leftjoin(select(kept, :product, :units), rename(select(products, :product, :supplier), :supplier => :vendor), :product)
    paragraph!(report, "Left join: $(nrow(lj)) rows, $(count(ismissing, column(lj, :vendor))) without a vendor.")

    for (t, key, value) in ((sales, :region, :units), (sales, :quarter, :price), (sensors, :station, :humidity),
            (sensors, :day, :temperature), (log, :user, :ms), (log, :level, :status), (products, :supplier, :weight_kg))
        profile!(report, t, key, value)
    end

    write_report(io, report; format = :markdown)
    write_report(io, summary_report(kept, "Summary"; by = [:region, :product], value = :units); format = :plain)
    return report
end

main(stdout)
