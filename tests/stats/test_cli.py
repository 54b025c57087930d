"""``cdphub stats`` end to end, as an analyst runs it (a subprocess on CSV files)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polars as pl
import pytest

from cdphub.stats import esp2013

from .reference import EXPORTS, SERIES, agrees, read_text

CDPHUB = str(Path(sys.executable).with_name("cdphub"))
LIMITS = ["lower_95", "upper_95", "lower_99_8", "upper_99_8"]


def run(*args: str | Path) -> subprocess.CompletedProcess:
    return subprocess.run(  # noqa: S603 - our own entry point with test arguments
        [CDPHUB, "stats", *map(str, args)], capture_output=True, text=True, timeout=120, check=False
    )


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def series() -> pl.DataFrame:
    return read_text(SERIES)


def test_crude_rate_reproduces_published_fingertips_rates(tmp_path, series):
    """Fingertips 41203 (England, per 100,000; see test_fingertips_exports for the 2021 and
    2024 rows, which the source prints inconsistently)."""
    rows = series.filter(pl.col("indicator_id") == "41203").select(
        "area", "period", "numerator", "denominator", "value", "lower_95", "upper_95"
    )
    rows.drop("value", "lower_95", "upper_95").write_csv(tmp_path / "in.csv")
    done = run("crude-rate", "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    out = read_text(tmp_path / "out.csv")
    assert out.columns == ["area", "period", "numerator", "denominator", "value", *LIMITS]
    assert out.get_column("numerator").to_list() == rows.get_column("numerator").to_list()
    for got, published in zip(out.iter_rows(named=True), rows.iter_rows(named=True), strict=True):
        if published["period"] in {"2020", "2022", "2023"}:
            for name in ("value", "lower_95", "upper_95"):
                assert agrees(float(got[name]), published[name]), (published["period"], name)
        assert float(got["lower_99_8"]) < float(got["lower_95"]) < float(got["value"])


def test_proportion_reproduces_published_percentages(tmp_path, series):
    """Fingertips 30309 (MMR one dose, Yorkshire and the Humber): Wilson, as a percentage."""
    rows = series.filter(pl.col("indicator_id") == "30309")
    rows.select("area", "period", "numerator", "denominator").write_csv(tmp_path / "in.csv")
    done = run("proportion", "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    out = read_text(tmp_path / "out.csv")
    for got, published in zip(out.iter_rows(named=True), rows.iter_rows(named=True), strict=True):
        for name in ("value", "lower_95", "upper_95"):
            assert agrees(float(got[name]), published[name]), (published["period"], name)


def test_group_by_sums_numerators_and_denominators_first(tmp_path):
    write(tmp_path / "in.csv", "area,sex,numerator,denominator\nA,m,3,10\nA,f,4,10\nB,m,1,4\nB,f,,4\n")
    done = run(
        "proportion",
        "--input",
        tmp_path / "in.csv",
        "--output",
        tmp_path / "out.csv",
        "--group-by",
        "area",
        "--multiplier",
        "1",
    )
    assert done.returncode == 0, done.stderr
    out = read_text(tmp_path / "out.csv")
    assert out.columns == ["area", "numerator", "denominator", "value", *LIMITS]
    assert out.row(0) == ("A", "7", "20", "0.35", *out.row(0)[4:])
    assert out.row(1)[1:] == (None, "8", *[None] * 5)  # a missing count leaves its group missing


def test_dsr_looks_up_esp2013_by_age_band(tmp_path, series):
    """With populations in ESP2013 proportions the DSR equals the crude rate and Dobson's
    limits equal Byars' (Dobson et al. 1991), so the published Fingertips 41203 figures for
    2022 come back."""
    row = series.filter((pl.col("indicator_id") == "41203") & (pl.col("period") == "2022")).row(0, named=True)
    weights = esp2013()
    total, population = int(row["numerator"]), float(row["denominator"])
    lines = ["area,period,age_band,numerator,denominator"]
    for i, (band, weight) in enumerate(weights.items()):
        count = total // 19 + (1 if i < total % 19 else 0)
        lines.append(f"E92000001,2022,{band},{count},{population * weight / 100_000!r}")
    write(tmp_path / "in.csv", "\n".join(lines) + "\n")
    done = run("dsr", "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    out = read_text(tmp_path / "out.csv")
    assert out.columns == ["area", "period", "numerator", "denominator", "value", *LIMITS]
    assert out.height == 1 and out["numerator"][0] == str(total)
    for name in ("value", "lower_95", "upper_95"):
        assert agrees(float(out[name][0]), row[name]), name


def test_dsr_with_a_standard_population_column(tmp_path):
    """Fleiss (1981) Table 14.4, birth order 5+: published DSR 75.52901 per 100,000
    (see test_published_examples); and a group under 10 events has empty value and limits."""
    lines = ["order,age_band,numerator,denominator,standard_population"]
    for band, x, n, w in zip(
        ["<20", "20-24", "25-29", "30-34", "35-39", "40+"],
        [0, 8, 63, 112, 262, 295],
        [327, 30666, 123419, 149919, 104088, 34392],
        [319933, 931318, 786511, 488235, 237863, 61313],
        strict=True,
    ):
        lines += [f"5+,{band},{x},{n},{w}", f"tiny,{band},{1 if x else 0},{n},{w}"]
    write(tmp_path / "in.csv", "\n".join(lines) + "\n")
    done = run("dsr", "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    out = read_text(tmp_path / "out.csv")
    assert out.get_column("order").to_list() == ["5+", "tiny"]
    assert float(out["value"][0]) == pytest.approx(75.52901, abs=5e-6)
    assert out.row(1)[1:3] == ("5", "442811") and out.row(1)[3:] == (None,) * 5


def test_isr_ratio_and_rate(tmp_path):
    """One band: the ratio is O/E×100 with E = n × reference rate, and the limits for O = 2
    are the exact ones (upper 7.225 at 95%, Gehrels 1986)."""
    write(
        tmp_path / "in.csv",
        "area,age_band,numerator,denominator,reference_numerator,reference_denominator\n"
        "A,all,2,1000,5,1000\n",
    )
    done = run("isr", "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    out = read_text(tmp_path / "out.csv")
    assert out.columns == ["area", "numerator", "denominator", "value", *LIMITS]
    assert float(out["value"][0]) == pytest.approx(40.0)
    assert float(out["upper_95"][0]) == pytest.approx(7.225 / 5 * 100, abs=0.02)
    done = run("isr-rate", "--input", tmp_path / "in.csv", "--output", tmp_path / "rate.csv")
    assert float(read_text(tmp_path / "rate.csv")["value"][0]) == pytest.approx(200.0)


def test_compare_reproduces_the_published_comparison_with_england(tmp_path):
    """The 2019/20 rows of Fingertips 93517 and 93532: "Compared to England" by 95% interval
    overlap, low is good."""
    frame = pl.concat([read_text(path) for path in EXPORTS]).filter(
        (pl.col("Time period") == "2019/20") & (pl.col("Area Code") != "E92000001")
    )
    england = {"93517": "52.14774596", "93532": "82.30641882"}
    frame.select(
        area=pl.col("Area Code"),
        value=pl.col("Value"),
        lower_95=pl.col("Lower CI 95.0 limit"),
        upper_95=pl.col("Upper CI 95.0 limit"),
        benchmark=pl.col("Indicator ID").replace_strict(england),
    ).write_csv(tmp_path / "in.csv")
    done = run(
        "compare", "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv", "--polarity", "low"
    )
    assert done.returncode == 0, done.stderr
    out = read_text(tmp_path / "out.csv")
    assert out.columns == ["area", "value", "lower_95", "upper_95", "benchmark", "comparison"]
    published = frame.get_column("Compared to England value or percentiles").str.to_lowercase()
    assert out.get_column("comparison").to_list() == published.to_list()
    assert "better" in published.to_list()


def test_trend_gives_the_published_markers(tmp_path, series):
    series.select(
        "indicator_id",
        "period",
        "value",
        "lower_95",
        "upper_95",
        "numerator",
        "denominator",
        "polarity",
        "value_type",
    ).write_csv(tmp_path / "in.csv")
    done = run(
        "trend",
        "--input",
        tmp_path / "in.csv",
        "--output",
        tmp_path / "out.csv",
        "--group-by",
        "indicator_id",
    )
    assert done.returncode == 0, done.stderr
    out = read_text(tmp_path / "out.csv")
    assert out.columns == ["indicator_id", "chi2", "trend", "trend_label"]
    published = dict(series.select("indicator_id", "published_trend").unique().iter_rows())
    assert dict(out.select("indicator_id", "trend_label").iter_rows()) == published
    assert out.filter(pl.col("indicator_id") == "41101")["chi2"][0] is None


@pytest.mark.parametrize(
    ("method", "text", "message"),
    [
        ("crude-rate", "area,numerator,denominator\nA,5,100\nB,five,100\n", "line 3: numerator is 'five'"),
        (
            "crude-rate",
            "area,numerator,denominator\nA,5,100\nB,-2,100\n",
            "line 3: numerator must not be negative",
        ),
        ("crude-rate", "area,numerator,denominator\nA,5,0\n", "line 2: denominator must be greater than 0"),
        (
            "proportion",
            "area,numerator,denominator\nA,5,100\nB,7,6\n",
            "line 3: numerator must not be greater",
        ),
        ("crude-rate", "area,count,denominator\nA,5,100\n", "no column 'numerator'"),
        ("dsr", "area,age_band,numerator,denominator\nA,0-5,5,100\n", "line 2: age_band '0-5'"),
        ("compare", "value,lower_95,upper_95,benchmark,polarity\n1,0,2,1,up\n", "line 2: polarity 'up'"),
        (
            "unmet-need",
            "area,numerator,denominator,denominator_lower,denominator_upper\nA,5,100,80,90\n",
            "line 2: denominator_upper must not be less than the denominator",
        ),
        ("unmet-need", "area,numerator,denominator\nA,5,100\n", "no column 'denominator_lower'"),
    ],
)
def test_bad_input_fails_naming_the_line_and_leaves_no_output(tmp_path, method, text, message):
    write(tmp_path / "in.csv", text)
    done = run(method, "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv")
    assert done.returncode != 0
    assert message in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv"]


def test_a_failed_run_keeps_an_existing_output_file(tmp_path):
    write(tmp_path / "in.csv", "numerator,denominator\n-1,5\n")
    write(tmp_path / "out.csv", "earlier results\n")
    assert run("crude-rate", "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv").returncode
    assert (tmp_path / "out.csv").read_text() == "earlier results\n"


def test_missing_input_file_and_unknown_method(tmp_path):
    done = run("crude-rate", "--input", tmp_path / "nope.csv", "--output", tmp_path / "out.csv")
    assert done.returncode == 1 and "no input file" in done.stderr
    done = run("median", "--input", tmp_path / "nope.csv", "--output", tmp_path / "out.csv")
    assert done.returncode == 2 and "invalid choice" in done.stderr


def test_stats_does_not_import_django(tmp_path):
    """The analysts' command must not start the web framework (docs/architecture.md: a command
    that needs no database does not start Django)."""
    write(tmp_path / "in.csv", "numerator,denominator\n5,100\n")
    code = (
        "import sys\n"
        "from cdphub.cli import main\n"
        f"assert main(['cdphub', 'stats', 'crude-rate', '--input', {str(tmp_path / 'in.csv')!r},"
        f" '--output', {str(tmp_path / 'out.csv')!r}]) == 0\n"
        "leaked = sorted(m for m in sys.modules if m.split('.')[0] in {'django', 'scipy'})\n"
        "assert not leaked, leaked\n"
    )
    done = subprocess.run(  # noqa: S603
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
        env={"PATH": "/usr/bin:/bin"},
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "out.csv").exists()


def test_whole_counts_stay_whole_and_missing_values_stay_empty(tmp_path):
    write(tmp_path / "in.csv", "numerator,denominator\n5,100\n,100\n")
    done = run(
        "crude-rate", "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv", "--multiplier", "100"
    )
    assert done.returncode == 0, done.stderr
    lines = (tmp_path / "out.csv").read_text().splitlines()
    assert lines[1].startswith("5,100,5.0,")
    assert lines[2] == ",100,,,,,"


def test_averaged_counts_keep_their_fractions_and_get_exact_limits(tmp_path):
    write(tmp_path / "in.csv", "numerator,denominator\n2.5,100\n")
    done = run("crude-rate", "--input", tmp_path / "in.csv", "--output", tmp_path / "out.csv")
    assert done.returncode == 0, done.stderr
    row = read_text(tmp_path / "out.csv").row(0, named=True)
    assert row["numerator"] == "2.5"
    # between the exact limits for 2 and 3 events (Gehrels 1986: 0.242–0.619, 7.225–8.767)
    assert 242 < float(row["lower_95"]) < 619 and 7225 < float(row["upper_95"]) < 8767


def test_the_readme_worked_example_is_what_the_command_prints(tmp_path):
    """The README shows real output: run its two examples and compare, line by line."""
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Statistics for analysts", 1)[1].split("\n## ", 1)[0]
    blocks = [block.split("```", 1)[0].strip() for block in section.split("```csv\n")[1:]]
    deaths, rates, judged = blocks[0], blocks[1], blocks[2]
    write(tmp_path / "deaths.csv", deaths + "\n")
    assert (
        run("crude-rate", "--input", tmp_path / "deaths.csv", "--output", tmp_path / "rates.csv").returncode
        == 0
    )
    assert (tmp_path / "rates.csv").read_text().strip() == rates
    write(tmp_path / "compare.csv", "\n".join(line.rsplit(",", 1)[0] for line in judged.splitlines()) + "\n")
    assert (
        run("compare", "--input", tmp_path / "compare.csv", "--output", tmp_path / "out.csv").returncode == 0
    )
    assert (tmp_path / "out.csv").read_text().strip() == judged
