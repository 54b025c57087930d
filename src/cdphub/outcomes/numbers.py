"""The one number formatter: how every page, chart, table and sentence writes a figure.

* thousands separators; a percentage gets a ``%`` sign;
* decimal places: as asked (``decimals``), else whole numbers for counts (``method ==
  "count"``), else one place for rates and percentages, and for any number that is not
  whole;
* a minus sign is never shown on a number that rounds to zero ("-0.0" reads as a fall);
* a missing figure (``None`` or not a number) is written ``missing``.
"""

from __future__ import annotations

import math


def is_rate(unit: str) -> bool:
    unit = unit.strip().lower()
    return unit == "%" or unit.startswith("per ") or unit.startswith("rate") or "per " in unit


def format_number(value: float | None, *, unit: str = "", method: str | None = None,
                  decimals: int | None = None, missing: str = "–") -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return missing
    if decimals is None:
        if method is not None:
            decimals = 0 if method == "count" else 1
        else:
            decimals = 1 if is_rate(unit) or not float(value).is_integer() else 0
    text = f"{value:,.{decimals}f}"
    if text.startswith("-") and float(text.replace(",", "")) == 0:
        text = text[1:]
    return text + "%" if unit.strip() == "%" else text
