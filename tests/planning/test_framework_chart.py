"""The trajectory chart (``outcomes.charts.trajectory_chart``) the performance framework
draws: a valid Vega-Lite specification, one labelled image, the trajectory dashed with open
markers and the actuals solid with filled markers and error bars, hidden figures a gap."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import altair as alt

from cdphub.outcomes import charts
from cdphub.outcomes.charts import DatedPoint

SVG = "{http://www.w3.org/2000/svg}"
ACTUALS = [DatedPoint(dt.date(2023, 3, 31), 2200.0, 2100.0, 2300.0),
           DatedPoint(dt.date(2024, 3, 31), 2300.0),
           DatedPoint(dt.date(2025, 3, 31), None)]  # hidden: a gap
TRAJECTORY = [DatedPoint(dt.date(2023, 3, 31), 2200.0), DatedPoint(dt.date(2025, 3, 31), 2420.0),
              DatedPoint(dt.date(2027, 3, 31), 2640.0)]


def test_the_specification_is_valid_vega_lite():
    spec = charts._trajectory_spec(ACTUALS, TRAJECTORY, "people", "Actual", "Trajectory")
    alt.TopLevelLayerSpec.validate(spec)
    layers = {layer["name"]: layer for layer in spec["layer"]}
    assert set(layers) == {"lines", "errorbars", "errorcaps_lower", "errorcaps_upper",
                           "targets", "points"}
    dashes = layers["lines"]["encoding"]["strokeDash"]["scale"]
    assert dict(zip(dashes["domain"], dashes["range"], strict=True)) == {
        "Actual": [1, 0], "Trajectory": [6, 4]}
    assert [r["value"] for r in layers["targets"]["data"]["values"]] == [2200.0, 2420.0, 2640.0]
    assert [r["value"] for r in layers["points"]["data"]["values"]] == [2200.0, 2300.0]
    # The hidden figure stays in the line's data as a gap, not a zero.
    assert [r["value"] for r in layers["lines"]["data"]["values"]
            if r["series"] == "Actual"] == [2200.0, 2300.0, None]


def test_the_chart_is_one_labelled_image_with_dated_ticks():
    svg = charts.trajectory_chart(ACTUALS, TRAJECTORY, unit="people", title="Treatment",
                                  description="In words", chart_id="t")
    root = ET.fromstring(str(svg))  # noqa: S314 (our own output)
    assert root.get("role") == "img" and root.get("aria-labelledby") == "t-title"
    assert root.find(f"{SVG}title").text == "Treatment"
    assert root.find(f"{SVG}desc").text == "In words"
    labels = ["".join(t.itertext()) for t in root.iter(f"{SVG}text")]
    assert {"Mar 2023", "Mar 2025", "Mar 2027", "Actual", "Trajectory"} <= set(labels)


def test_nothing_to_draw_is_a_labelled_empty_chart():
    svg = charts.trajectory_chart([], [], unit="people", title="Nothing", description="None")
    assert "There are no values to show." in str(svg)
    assert ET.fromstring(str(svg)).get("role") == "img"  # noqa: S314 (our own output)
