"""Helpers for comparing with published figures at the precision they were published at."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

import polars as pl

DATA = Path(__file__).resolve().parents[1] / "data"
EXPORTS = [
    DATA / "fingertips_93517_ocu_not_in_treatment_sample.csv",
    DATA / "fingertips_93532_dependent_drinkers_not_in_treatment_sample.csv",
]
SERIES = DATA / "fingertips_published_series.csv"


def half_unit(text: str) -> float:
    """Half a unit in the last place of a published number: "3.0121" → 0.00005."""
    exponent = Decimal(text.strip()).as_tuple().exponent
    return 0.5 * 10.0 ** int(exponent)


def read_text(path: Path) -> pl.DataFrame:
    """A CSV with every column as text, so that published precision can be read off."""
    return pl.read_csv(path, infer_schema=False)


def agrees(computed: float, published: str, slack: float = 0.0) -> bool:
    """True when ``computed`` rounds to ``published`` (half a unit in its last place)."""
    return abs(computed - float(published)) <= half_unit(published) + slack
