"""Throughput of ``cdphub.stats`` on 1,000,000 rows of realistic synthetic data.

For each method: the library call, the same arithmetic written as a bare NumPy pass (no
checks, no missing-value handling, nothing general), and their ratio, all in one run.
Then ``cdphub stats`` end to end (start, read CSV, compute, write CSV) in a subprocess, the
figure analysts see; the reference R package (PHEindicatormethods) takes about 14 s for a
million crude rates on this 2-core machine. Figures only: nothing here passes or fails.

    .venv/bin/python benchmarks/stats_bench.py [--rows N]
"""

from __future__ import annotations

import argparse
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import polars as pl

from cdphub import stats
from cdphub.stats.poisson import _exact_table

LEVELS = {"95": 0.95, "99_8": 0.998}
Z = {name: stats._common.z_value(level) for name, level in LEVELS.items()}
R_SECONDS_PER_MILLION_CRUDE_RATES = 14.0


def best_of(function, repeat: int = 3) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return min(times)


# ------------------------------------------------------------------------------ data


def area_period_rows(rows: int, rng: np.random.Generator) -> pl.DataFrame:
    """153 upper-tier areas × periods: populations 40k–1.5M, rates around 50 per 100,000,
    so counts run from single figures (exact limits) to thousands (Byars)."""
    areas = np.array([f"E06{i:06d}" for i in range(153)])
    area = rng.integers(0, len(areas), rows)
    population = np.exp(rng.uniform(np.log(40_000), np.log(1_500_000), len(areas)))[area]
    denominator = np.round(population * rng.uniform(0.05, 1.0, rows))
    rate = rng.gamma(4.0, 50 / 4, rows) / 100_000
    numerator = rng.poisson(denominator * rate).astype(np.float64)
    return pl.DataFrame(
        {
            "area_code": areas[area],
            "period": rng.integers(2010, 2025, rows),
            "numerator": numerator,
            "denominator": denominator,
        }
    )


def age_band_rows(rows: int, rng: np.random.Generator) -> pl.DataFrame:
    """Area-period groups of 19 ESP2013 age bands (rows / 19 groups)."""
    weights = np.array(list(stats.esp2013().values()))
    groups = rows // 19
    age_rate = np.geomspace(5, 2_000, 19) / 100_000
    population = rng.uniform(2_000, 60_000, (groups, 19))
    counts = rng.poisson(population * age_rate * rng.gamma(5, 0.2, (groups, 1)))
    return pl.DataFrame(
        {
            "group": np.repeat(np.arange(groups), 19),
            "age_band": np.tile(list(stats.esp2013()), groups),
            "numerator": counts.ravel().astype(np.float64),
            "denominator": population.ravel().round(),
            "standard_population": np.tile(weights, groups),
            "reference_numerator": np.tile(age_rate * 1_000_000, groups),
            "reference_denominator": np.full(groups * 19, 1_000_000.0),
        }
    )


# ------------------------------------------------------------------------------ bare passes


def bare_crude_rate(x, n):
    scale = 100_000 / n
    out = {"value": x * scale}
    small = x < 10
    index = x[small].astype(np.intp)
    for name, level in LEVELS.items():
        z = Z[name]
        t = 1 - 1 / (9 * x) - z / (3 * np.sqrt(x))
        lower = x * t * t * t
        x1 = x + 1
        t = 1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))
        upper = x1 * t * t * t
        table_lower, table_upper = _exact_table(level)
        lower[small] = table_lower[index]
        upper[small] = table_upper[index]
        out[f"lower_{name}"], out[f"upper_{name}"] = lower * scale, upper * scale
    return out


def bare_proportion(x, n):
    out = {"value": x / n * 100}
    for name in LEVELS:
        z = Z[name]
        centre = 2 * x + z * z
        spread = z * np.sqrt(z * z + 4 * x * (1 - x / n))
        denominator = 2 * (n + z * z)
        out[f"lower_{name}"] = (centre - spread) / denominator * 100
        out[f"upper_{name}"] = (centre + spread) / denominator * 100
    return out


def _byars(observed, z):
    t = 1 - 1 / (9 * observed) - z / (3 * np.sqrt(observed))
    x1 = observed + 1
    u = 1 - 1 / (9 * x1) + z / (3 * np.sqrt(x1))
    return observed * t * t * t, x1 * u * u * u


# The bare grouped passes are given where each group starts (the rows come group by group),
# so they sum with np.add.reduceat, the fastest plain NumPy way.


def bare_dsr(starts, x, n, w):
    ratio = w / n
    total_w = np.add.reduceat(w, starts)
    observed = np.add.reduceat(x, starts)
    rate = np.add.reduceat(x * ratio, starts) / total_w
    spread = np.sqrt(np.add.reduceat(x * ratio * ratio, starts) / (total_w * total_w) / observed)
    out = {"value": rate * 100_000, "denominator": np.add.reduceat(n, starts)}
    for name in LEVELS:
        lower, upper = _byars(observed, Z[name])
        out[f"lower_{name}"] = (rate + spread * (lower - observed)) * 100_000
        out[f"upper_{name}"] = (rate + spread * (upper - observed)) * 100_000
    return out


def bare_isr(starts, x, n, ref_x, ref_n):
    expected = np.add.reduceat(ref_x / ref_n * n, starts)
    observed = np.add.reduceat(x, starts)
    out = {"value": observed / expected * 100, "denominator": np.add.reduceat(n, starts)}
    for name in LEVELS:
        lower, upper = _byars(observed, Z[name])
        out[f"lower_{name}"], out[f"upper_{name}"] = lower / expected * 100, upper / expected * 100
    return out


def bare_compare(value, lower, upper, benchmark):
    higher, lower_than = lower > benchmark, upper < benchmark
    return np.select([higher, lower_than], ["worse", "better"], "similar")


def bare_trend(value, lower, upper):
    shape = (-1, 5)
    v = value.reshape(shape)
    se = (upper - lower).reshape(shape) / 3.92
    w = 1 / (se * se)
    t = np.arange(1, 6.0)

    def slope(w, v, t):
        s1, s2, s3 = w.sum(1), (w * v * t).sum(1), (w * t).sum(1)
        s4, s5 = (w * v).sum(1), (w * t * t).sum(1)
        return (s1 * s2 - s3 * s4) / (s1 * s5 - s3 * s3), s1, s3, s5

    b, s1, s3, s5 = slope(w, v, t)
    chi2 = b * b * (s1 * s5 - s3 * s3) / s1
    steady = np.ones(len(b), dtype=bool)
    for k in range(5):
        keep = np.arange(5) != k
        steady &= np.sign(slope(w[:, keep], v[:, keep], t[keep])[0]) == np.sign(b)
    return np.where((chi2 > 9.54953570608324) & steady, np.sign(b), 0)


def bare_mean(starts, sizes, x, t):
    """``t``: the t quantiles for the groups' size, looked up once (every group has 19 rows)."""
    average = np.add.reduceat(x, starts) / sizes
    deviation = x - np.repeat(average, sizes)
    se = np.sqrt(np.add.reduceat(deviation * deviation, starts) / (sizes - 1) / sizes)
    return {name: (average - q * se, average + q * se) for name, q in t.items()}


# ------------------------------------------------------------------------------ main


def library_figures(rows: int, rng: np.random.Generator) -> list[tuple[str, float, float]]:
    frame = area_period_rows(rows, rng)
    x = frame["numerator"].to_numpy()
    n = frame["denominator"].to_numpy()
    bands = age_band_rows(rows, rng)
    codes = bands["group"].to_numpy()
    starts = np.flatnonzero(np.diff(codes, prepend=-1))
    sizes = np.diff(np.append(starts, len(codes)))
    from scipy.special import stdtrit

    t_19 = {name: float(stdtrit(18, 1 - (1 - level) / 2)) for name, level in LEVELS.items()}
    bx, bn, bw = (bands[c].to_numpy() for c in ("numerator", "denominator", "standard_population"))
    rx, rn = bands["reference_numerator"].to_numpy(), bands["reference_denominator"].to_numpy()
    result = stats.proportion(x, n, 100)
    value, lower, upper = result["value"], result["lower_95"], result["upper_95"]
    benchmark = np.full(rows, np.median(value))
    # trend: rows / 5 series of five yearly points with a gentle drift
    series = rows // 5
    drift = np.repeat(rng.normal(0, 0.5, series), 5) * np.tile(np.arange(5.0), series)
    t_value = np.repeat(rng.uniform(20, 80, series), 5) + drift + rng.normal(0, 1, series * 5)
    t_half = rng.uniform(0.5, 3, series * 5)
    t_lower, t_upper = t_value - t_half, t_value + t_half
    t_period = np.tile(np.arange(2019, 2024), series)
    t_group = np.repeat(np.arange(series), 5)
    t_count = np.full(series * 5, 500.0)
    t_denominator = np.full(series * 5, 1000.0)

    cases = [
        ("crude-rate", lambda: stats.crude_rate(x, n), lambda: bare_crude_rate(x, n)),
        ("proportion", lambda: stats.proportion(x, n, 100), lambda: bare_proportion(x, n)),
        ("dsr", lambda: stats.dsr(bx, bn, bw, codes), lambda: bare_dsr(starts, bx, bn, bw)),
        (
            "isr",
            lambda: stats.isr_ratio(bx, bn, rx, rn, codes),
            lambda: bare_isr(starts, bx, bn, rx, rn),
        ),
        (
            "mean",
            lambda: stats.mean(bx, codes),
            lambda: bare_mean(starts, sizes, bx, t_19),
        ),
        (
            "compare",
            lambda: stats.compare(value, lower, upper, benchmark, "low"),
            lambda: bare_compare(value, lower, upper, benchmark),
        ),
        (
            "trend",
            lambda: stats.recent_trend(
                t_period, t_value, t_lower, t_upper, t_count, t_denominator, "proportion", "high", t_group
            ),
            lambda: bare_trend(t_value, t_lower, t_upper),
        ),
    ]
    figures = []
    for name, library, bare in cases:
        library()  # warm up (imports, caches)
        bare = np.errstate(all="ignore")(bare)  # the bare passes skip the checks for 0 and NaN
        figures.append((name, best_of(library), best_of(bare)))
    return figures


def cli_figures(rows: int, rng: np.random.Generator, directory: Path) -> list[tuple[str, float]]:
    cdphub = str(Path(sys.executable).with_name("cdphub"))
    frame = area_period_rows(rows, rng)
    frame.write_csv(directory / "rates.csv")
    bands = age_band_rows(rows, rng)
    bands.drop("standard_population", "reference_numerator", "reference_denominator").write_csv(
        directory / "bands.csv"
    )
    result = stats.proportion(frame["numerator"], frame["denominator"], 100)
    compare_input = frame.select("area_code", "period").with_columns(
        value=result["value"],
        lower_95=result["lower_95"],
        upper_95=result["upper_95"],
        benchmark=float(np.median(result["value"])),
        polarity=pl.lit("low"),
    )
    compare_input.write_csv(directory / "compare.csv")
    series = rows // 5
    pl.DataFrame(
        {
            "area_code": np.repeat(np.arange(series), 5),
            "period": np.tile(np.arange(2019, 2024), series),
            "value": compare_input["value"][: series * 5],
            "lower_95": compare_input["lower_95"][: series * 5],
            "upper_95": compare_input["upper_95"][: series * 5],
            "numerator": frame["numerator"][: series * 5],
            "denominator": frame["denominator"][: series * 5],
            "polarity": ["low"] * (series * 5),
            "value_type": ["proportion"] * (series * 5),
        }
    ).write_csv(directory / "trend.csv")
    runs = [
        ("crude-rate", "rates.csv", []),
        ("proportion", "rates.csv", []),
        ("crude-rate --group-by", "rates.csv", ["--group-by", "area_code"]),
        ("dsr", "bands.csv", ["--group-by", "group"]),
        ("compare", "compare.csv", []),
        ("trend", "trend.csv", ["--group-by", "area_code"]),
    ]
    figures = []
    for label, source, extra in runs:
        method = label.split()[0]
        command = [
            cdphub,
            "stats",
            method,
            "--input",
            str(directory / source),
            "--output",
            str(directory / "out.csv"),
            *extra,
        ]

        def call(command=command):
            subprocess.run(command, check=True)  # noqa: S603 - our own entry point

        figures.append((label, best_of(call)))
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    rows = parser.parse_known_args()[0].rows  # ./dev bench passes every script the same options
    rng = np.random.default_rng(20261123)

    print(f"cdphub.stats: {rows:,} rows, best of 3")
    print(f"{'method':<12} {'library rows/s':>15} {'bare NumPy rows/s':>18} {'library/bare':>13}")
    for name, library, bare in library_figures(rows, rng):
        print(f"{name:<12} {rows / library:>15,.0f} {rows / bare:>18,.0f} {library / bare:>12.2f}×")

    print(f"\ncdphub stats end to end (start, read, compute, write): {rows:,} rows, best of 3")
    print(f"{'command':<22} {'seconds':>8} {'rows/s':>12}  vs R (~{R_SECONDS_PER_MILLION_CRUDE_RATES:.0f} s)")
    with tempfile.TemporaryDirectory() as directory:
        for label, seconds in cli_figures(rows, rng, Path(directory)):
            share = seconds / (R_SECONDS_PER_MILLION_CRUDE_RATES * rows / 1_000_000)
            print(f"{label:<22} {seconds:>8.2f} {rows / seconds:>12,.0f}  {share:>6.1%} of R's time")


if __name__ == "__main__":
    main()
