"""The hex map of upper-tier authorities: its layout data, its geometry and the SVG it renders."""

from __future__ import annotations

import csv
import datetime as dt
import itertools
import json
import math
import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from pathlib import Path

import pytest
from django.template.loader import render_to_string

from cdphub.geography.hexmap import (
    CATEGORIES,
    LAYOUT_DATE,
    LAYOUT_FILE,
    HexMapRow,
    build_layout,
    category_for,
    hexmap_layout,
    legend_items,
    render_hexmap,
)
from cdphub.geography.loader import DATA_DIR
from cdphub.geography.models import Area, AreaType

SVG = "{http://www.w3.org/2000/svg}"
SCSS = Path(__file__).resolve().parents[2] / "src/cdphub/static/scss/_hexmap.scss"
GREATER_MANCHESTER = ["E08000001", "E08000002", "E08000003", "E08000004", "E08000005",
                      "E08000006", "E08000007", "E08000008", "E08000009", "E08000010"]


def raw_layout() -> dict:
    return json.loads(LAYOUT_FILE.read_text(encoding="utf-8"))


def reference() -> dict[str, dict[str, str]]:
    with open(DATA_DIR / "utla2023_reference.csv", newline="", encoding="utf-8-sig") as handle:
        return {row["utla_code_2023"]: row for row in csv.DictReader(handle)}


def code_of(name: str) -> str:
    matches = [code for code, hexagon in hexmap_layout().hexes.items() if hexagon.name == name]
    assert len(matches) == 1, name
    return matches[0]


def parse(svg) -> ET.Element:
    return ET.fromstring(str(svg))  # noqa: S314 (our own output)


def hex_paths(root: ET.Element) -> list[ET.Element]:
    return [p for p in root.iter(f"{SVG}path") if "hexmap__hex" in p.get("class", "").split()]


def components(codes: set[str]) -> list[set[str]]:
    """Groups of these authorities joined through neighbours in the rendered map."""
    layout = hexmap_layout()
    seen: set[str] = set()
    groups = []
    for start in sorted(codes):
        if start in seen:
            continue
        group, stack = {start}, [start]
        seen.add(start)
        while stack:
            for other in layout.neighbours(stack.pop()):
                if other in codes and other not in seen:
                    seen.add(other)
                    group.add(other)
                    stack.append(other)
        groups.append(group)
    return groups


# --- the layout data ------------------------------------------------------------------------


def test_every_current_upper_tier_authority_once_and_nothing_else():
    hexes = raw_layout()["hexes"]
    assert len(hexes) == 153
    assert set(hexes) == set(reference())
    for code, entry in hexes.items():
        assert entry["id"] == code


@pytest.mark.django_db
def test_codes_are_the_authorities_in_use_on_the_layout_date():
    """Against the geography as loaded into the database: no Cumbria or North Yorkshire
    county codes, Barnsley and Sheffield at their 2023 codes."""
    on = dt.date.fromisoformat(LAYOUT_DATE)
    in_use = set(Area.objects.of_type(AreaType.UTLA).valid_on(on).values_list("code", flat=True))
    assert set(raw_layout()["hexes"]) == in_use
    # the latest day these codes were all in use, too
    in_use_later = set(Area.objects.of_type(AreaType.UTLA).valid_on(dt.date(2025, 3, 31))
                       .values_list("code", flat=True))
    assert set(raw_layout()["hexes"]) == in_use_later


def test_names_and_regions_match_the_reference():
    rows = reference()
    for code, entry in raw_layout()["hexes"].items():
        assert entry["n"] == rows[code]["utla_name"], code
        assert entry["region"] == rows[code]["region_name"], code


def test_no_two_authorities_in_one_cell():
    cells = [(entry["q"], entry["r"]) for entry in raw_layout()["hexes"].values()]
    assert len(cells) == len(set(cells))


def test_layout_kind_is_odd_r():
    assert raw_layout()["layout"] == "odd-r"
    assert hexmap_layout().layout == "odd-r"


def test_two_authorities_in_one_cell_is_refused():
    with pytest.raises(ValueError, match="E1 and E0 are both at q=1, r=2|E0 and E1"):
        build_layout({"layout": "odd-r", "hexes": {"E0": {"q": 1, "r": 2}, "E1": {"q": 1, "r": 2}}})


def test_unknown_layout_kind_is_refused():
    with pytest.raises(ValueError, match="Unknown HexJSON layout 'odd-x'"):
        build_layout({"layout": "odd-x", "hexes": {"E0": {"q": 1, "r": 2}}})


# Real borders that the layout keeps as neighbouring hexagons. Rendering the layout with the
# wrong row offset (the classic mistake: counting rows from the top) breaks many of them.
BORDERS = [
    ("Cornwall", "Devon"), ("Cornwall", "Plymouth"), ("Devon", "Torbay"), ("Devon", "Somerset"),
    ("Dorset", "Bournemouth, Christchurch and Poole"),
    ("Kent", "Medway"), ("Kent", "East Sussex"), ("Brighton and Hove", "East Sussex"),
    ("Cumberland", "Westmorland and Furness"), ("Lancashire", "Westmorland and Furness"),
    ("Newcastle upon Tyne", "Gateshead"), ("Newcastle upon Tyne", "Northumberland"),
    ("Gateshead", "Sunderland"), ("Gateshead", "South Tyneside"),
    ("County Durham", "Darlington"), ("Hartlepool", "Stockton-on-Tees"),
    ("Middlesbrough", "Redcar and Cleveland"), ("Liverpool", "Knowsley"), ("Liverpool", "Sefton"),
    ("Manchester", "Trafford"), ("Leeds", "Wakefield"), ("Sheffield", "Rotherham"),
    ("Barnsley", "Sheffield"), ("Birmingham", "Solihull"), ("Birmingham", "Sandwell"),
    ("Dudley", "Sandwell"), ("Wolverhampton", "Walsall"), ("Telford and Wrekin", "Shropshire"),
    ("Stoke-on-Trent", "Staffordshire"), ("Nottingham", "Nottinghamshire"),
    ("Derby", "Derbyshire"), ("Leicester", "Leicestershire"),
    ("West Northamptonshire", "North Northamptonshire"),
    ("Herefordshire, County of", "Gloucestershire"),
    ("Bristol, City of", "South Gloucestershire"), ("Bristol, City of", "North Somerset"),
    ("Swindon", "Wiltshire"), ("Reading", "West Berkshire"), ("Reading", "Wokingham"),
    ("Slough", "Windsor and Maidenhead"), ("Milton Keynes", "Buckinghamshire"),
    ("Portsmouth", "Hampshire"), ("Luton", "Central Bedfordshire"),
    ("Bedford", "Central Bedfordshire"), ("Peterborough", "Cambridgeshire"),
    ("Southend-on-Sea", "Essex"), ("Thurrock", "Essex"), ("Norfolk", "Suffolk"),
    ("Kingston upon Hull, City of", "East Riding of Yorkshire"),
    ("Lincolnshire", "North Lincolnshire"), ("Halton", "Warrington"),
    ("Cheshire East", "Cheshire West and Chester"), ("Lancashire", "Blackburn with Darwen"),
]


@pytest.mark.parametrize(("one", "other"), BORDERS)
def test_real_borders_are_neighbouring_hexagons(one, other):
    assert code_of(other) in hexmap_layout().neighbours(code_of(one))


def test_the_wrong_row_offset_would_break_borders():
    """The border test above has teeth: shift the other rows and many borders break."""
    hexjson = raw_layout()
    wrong = build_layout({**hexjson, "layout": "even-r"})
    broken = [pair for pair in BORDERS
              if code_of(pair[1]) not in {other for edge in wrong.edges(code_of(pair[0]))
                                          for other in wrong.edge_owners[edge]}]
    assert len(broken) > 10


# Where a region is in more than one piece, and why (see data/PROVENANCE.md).
DETACHED = {
    ("South West", frozenset({"Isles of Scilly"})),  # an island
    ("South East", frozenset({"Isle of Wight"})),  # an island
    # the source layout lets London's Sutton reach the coast, between West Sussex and Brighton
    ("South East", frozenset({"Brighton and Hove", "East Sussex", "Kent", "Medway"})),
    # the source layout puts Lincolnshire by Doncaster and Peterborough, apart from its region
    ("East Midlands", frozenset({"Lincolnshire"})),
}


def test_each_region_is_one_group_of_neighbours_apart_from_known_pieces():
    layout = hexmap_layout()
    by_region: dict[str, set[str]] = defaultdict(set)
    for code, hexagon in layout.hexes.items():
        by_region[hexagon.region].add(code)
    assert len(by_region) == 9
    detached = set()
    for region, codes in by_region.items():
        groups = sorted(components(codes), key=len, reverse=True)
        assert len(groups[0]) > len(codes) / 2, region
        for group in groups[1:]:
            detached.add((region, frozenset(layout.hexes[c].name for c in group)))
    assert detached == DETACHED


def test_every_authority_touches_another():
    layout = hexmap_layout()
    lonely = [h.name for code, h in layout.hexes.items() if not layout.neighbours(code)]
    assert sorted(lonely) == ["Isle of Wight", "Isles of Scilly"]


# --- geometry -------------------------------------------------------------------------------


def test_hexagons_do_not_overlap_and_neighbours_touch():
    layout = hexmap_layout()
    width = 10 * math.sqrt(3)  # across the flats, for the default size
    hexes = list(layout.hexes.values())
    for a, b in itertools.combinations(hexes, 2):
        distance = math.dist((a.x, a.y), (b.x, b.y))
        assert distance > width - 1e-6, (a.name, b.name)
        touching = b.code in layout.neighbours(a.code)
        assert touching == (distance < width + 1e-6), (a.name, b.name)


def test_every_hexagon_inside_the_view_box():
    layout = hexmap_layout()
    for hexagon in layout.hexes.values():
        for corner in hexagon.corners:
            x, y = layout.point(corner)
            assert 0 < x < layout.width and 0 < y < layout.height


def test_north_is_up():
    layout = hexmap_layout()
    assert layout.hexes[code_of("Northumberland")].y < layout.hexes[code_of("Cornwall")].y
    assert layout.hexes[code_of("Cornwall")].x < layout.hexes[code_of("Norfolk")].x


@pytest.mark.parametrize("kind", ["odd-r", "even-r", "odd-q", "even-q"])
def test_each_offset_layout_tiles_without_gaps_or_overlaps(kind):
    grid = {f"H{q}_{r}": {"q": q, "r": r} for q in range(5) for r in range(5)}
    layout = build_layout({"layout": kind, "hexes": grid})
    hexes = list(layout.hexes.values())
    side = 10.0
    for a, b in itertools.combinations(hexes, 2):
        assert math.dist((a.x, a.y), (b.x, b.y)) > side * math.sqrt(3) - 1e-6
    # the middle hexagon of a 5 by 5 grid has six neighbours, each sharing one edge
    assert len(layout.neighbours("H2_2")) == 6
    assert all(len(owners) <= 2 for owners in layout.edge_owners.values())


# --- outlines -------------------------------------------------------------------------------


def test_outline_of_two_neighbours_is_one_shape_of_ten_edges():
    layout = hexmap_layout()
    pair = [code_of("Bolton"), code_of("Bury")]
    assert pair[1] in layout.neighbours(pair[0])
    assert len(layout.outer_edges(pair)) == 10
    path = layout.outline_path(pair)
    assert path.count("M") == 1 and path.count("L") == 9 and path.endswith("Z")


def test_outline_of_two_apart_is_two_shapes():
    layout = hexmap_layout()
    apart = [code_of("Cornwall"), code_of("Norfolk")]
    assert len(layout.outer_edges(apart)) == 12
    assert layout.outline_path(apart).count("M") == 2


def test_outline_of_greater_manchester_leaves_out_shared_edges():
    layout = hexmap_layout()
    shared = sum(1 for a, b in itertools.combinations(GREATER_MANCHESTER, 2)
                 if b in layout.neighbours(a))
    assert shared >= 9  # the ten are joined
    assert len(layout.outer_edges(GREATER_MANCHESTER)) == 6 * 10 - 2 * shared
    assert layout.outline_path(GREATER_MANCHESTER).count("M") == 1


def test_outline_in_the_svg():
    root = parse(render_hexmap({}, label="Map", outline=set(GREATER_MANCHESTER)))
    outline = [p for p in root.iter(f"{SVG}path") if p.get("class") == "hexmap__outline"]
    assert len(outline) == 1
    assert outline[0].get("d") == hexmap_layout().outline_path(GREATER_MANCHESTER)
    outlined = [p.get("data-code") for p in hex_paths(root)
                if "hexmap__hex--outlined" in p.get("class")]
    assert sorted(outlined) == sorted(GREATER_MANCHESTER)
    assert root.find(f"{SVG}desc").text.endswith(" 10 authorities are outlined.")


def test_no_outline_without_codes():
    root = parse(render_hexmap({}, label="Map"))
    assert not [p for p in root.iter(f"{SVG}path") if "outline" in p.get("class", "")]


def test_outline_of_a_split_authority_is_both_successors():
    layout = hexmap_layout()
    assert layout.outer_edges(["E10000006"]) == layout.outer_edges(
        [code_of("Cumberland"), code_of("Westmorland and Furness")])


# --- the SVG --------------------------------------------------------------------------------


def test_one_path_per_authority_with_its_category_class():
    fills = {code_of("Bolton"): "worse", code_of("Leeds"): "better",
             code_of("Kent"): "similar", code_of("Norfolk"): "not-compared",
             code_of("Devon"): "higher", code_of("Essex"): "lower"}
    root = parse(render_hexmap(fills, label="Map"))
    paths = hex_paths(root)
    assert len(paths) == 153
    assert len({p.get("data-code") for p in paths}) == 153
    for path in paths:
        expected = fills.get(path.get("data-code"), "no-data")
        assert f"hex--{expected}" in path.get("class").split(), path.get("data-code")
        assert path.get("fill") == CATEGORIES[expected].fill


def test_comparison_words_from_the_statistics_are_accepted():
    assert category_for("best") == "better"
    assert category_for("worst") == "worse"
    assert category_for("not compared") == "not-compared"
    assert category_for("Similar") == "similar"
    assert category_for(None) == "no-data"
    root = parse(render_hexmap({code_of("Leeds"): "best", code_of("York"): None}, label="Map"))
    classes = {p.get("data-code"): p.get("class") for p in hex_paths(root)}
    assert "hex--better" in classes[code_of("Leeds")]
    assert "hex--no-data" in classes[code_of("York")]


def test_unknown_comparison_is_refused_with_the_choices():
    with pytest.raises(ValueError, match="Unknown comparison 'amazing'.*better, similar, worse"):
        render_hexmap({code_of("Leeds"): "amazing"}, label="Map")


def test_unknown_code_is_refused_by_name():
    with pytest.raises(ValueError, match="E92000001 is not an upper-tier local authority"):
        render_hexmap({"E92000001": "similar"}, label="Map")
    with pytest.raises(ValueError, match="E12000001, E92000001"):
        render_hexmap({"E92000001": "similar", "E12000001": "worse"}, label="Map")
    with pytest.raises(ValueError, match="E99999999"):
        render_hexmap({}, label="Map", outline={"E99999999"})


def test_replaced_codes_colour_the_authority_that_holds_their_area():
    root = parse(render_hexmap({"E08000038": "worse", "E10000023": "better"}, label="Map"))
    classes = {p.get("data-code"): p.get("class") for p in hex_paths(root)}
    assert "hex--worse" in classes["E08000016"]  # Barnsley, recoded in 2025
    assert "hex--better" in classes["E06000065"]  # North Yorkshire county -> unitary, 2023


def test_old_and_new_code_for_one_authority_must_agree():
    render_hexmap({"E08000016": "worse", "E08000038": "worse"}, label="Map")
    with pytest.raises(ValueError, match="E08000016 and E08000038 are the same authority"):
        render_hexmap({"E08000016": "worse", "E08000038": "better"}, label="Map")


def test_a_split_authority_cannot_be_coloured():
    with pytest.raises(ValueError, match="E10000006 was split into E06000063, E06000064"):
        render_hexmap({"E10000006": "worse"}, label="Map")


def test_titles_are_escaped_and_default_to_name_and_comparison():
    nasty = '<script>alert("x")</script> & <b>Hartlepool</b>'
    svg = render_hexmap({code_of("Leeds"): "worse"}, label="A <b>label</b> & more",
                        titles={code_of("Hartlepool"): nasty})
    assert "<script>" not in svg and "<b>" not in svg
    root = parse(svg)
    titles = {p.get("data-code"): p.find(f"{SVG}title").text for p in hex_paths(root)}
    assert titles[code_of("Hartlepool")] == nasty
    assert titles[code_of("Leeds")] == "Leeds: Worse than England"
    assert titles[code_of("York")] == "York: No data"
    assert root.find(f"{SVG}title").text == "A <b>label</b> & more"


def test_accessible_name_and_description():
    svg = render_hexmap({code_of("Leeds"): "worse", code_of("York"): "better"}, label="Deaths",
                        outline={code_of("Leeds"), code_of("Wakefield")},
                        highlight_label="West Yorkshire")
    root = parse(svg)
    assert root.get("role") == "img"
    ids = root.get("aria-labelledby").split()
    assert [root.find(f"{SVG}title").get("id"), root.find(f"{SVG}desc").get("id")] == ids
    desc = root.find(f"{SVG}desc").text
    assert "Better than England: 1; worse than England: 1; no data: 151." in desc
    assert "West Yorkshire (2 authorities) is outlined." in desc
    assert re.fullmatch(r"0 0 [\d.]+ [\d.]+", root.get("viewBox"))


def test_no_style_attributes_and_no_patterns():
    svg = render_hexmap({code_of("Leeds"): "worse", code_of("York"): "better"}, label="Map")
    root = parse(svg)
    assert not [el for el in root.iter() if "style" in el.attrib]
    assert root.find(f".//{SVG}pattern") is None  # Chromium prints patterns as huge PDFs


def numbers(d: str) -> list[float]:
    return [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", d)]


def test_each_textured_hexagon_has_its_marks_inside_it():
    fills = {code_of("Leeds"): "worse", code_of("York"): "better", code_of("Kent"): "similar",
             code_of("Bury"): "higher", code_of("Kingston upon Hull, City of"):
             "lower", code_of("Devon"): "not-compared"}
    layout = hexmap_layout()
    root = parse(render_hexmap(fills, label="Map"))
    marks = [p for p in root.iter(f"{SVG}path") if "hexmap__mark" in p.get("class", "").split()]
    textured = {code: c for code, c in fills.items() if CATEGORIES[c].texture != "solid"}
    # every hexagon without a value is "no data", which is textured too
    assert len(marks) == len(textured) + (153 - len(fills))
    by_centre = {(round(h.x, 2), round(h.y, 2)): code for code, h in layout.hexes.items()}
    seen = set()
    for mark in marks:
        x, y = (float(n) for n in re.fullmatch(r"translate\((\S+) (\S+)\)",
                                                 mark.get("transform")).groups())
        code = by_centre[(round(x, 2), round(y, 2))]
        seen.add(code)
        category = textured.get(code, "no-data")
        assert f"hexmap__mark--{category}" in mark.get("class").split()
        assert mark.get("pointer-events") == "none"  # hovering reaches the hexagon's title
        coords = numbers(mark.get("d"))
        if category == "better" or category == "not-compared":
            continue  # circles: arcs, checked by size below
        points = list(zip(coords[::2], coords[1::2], strict=True))
        assert points
        # inside the inscribed circle of the hexagon (size 10: 8.66 from the centre)
        assert max(math.hypot(px, py) for px, py in points) < 10.0 * 0.9 + 1e-6
    assert len(seen) == len(marks)


def test_textures_differ_in_shape_not_just_colour():
    layout = hexmap_layout()
    root = parse(render_hexmap({code: key for code, key in zip(
        layout.hexes, [k for k in CATEGORIES if k != "no-data"], strict=False)}, label="Map"))
    shapes = {}
    for mark in root.iter(f"{SVG}path"):
        cls = mark.get("class", "")
        if "hexmap__mark " in cls + " ":
            key = cls.split("hexmap__mark--")[1]
            shapes[key] = (mark.get("d"), mark.get("stroke-width"))
    assert set(shapes) == set(CATEGORIES) - {"similar"}
    assert len(set(shapes.values())) == len(shapes)


def test_two_maps_get_different_ids_unless_told():
    one = parse(render_hexmap({}, label="First"))
    two = parse(render_hexmap({}, label="Second"))
    assert one.find(f"{SVG}title").get("id") != two.find(f"{SVG}title").get("id")
    named = parse(render_hexmap({}, label="First", id_prefix="mine"))
    assert named.find(f"{SVG}title").get("id") == "mine-title"
    with pytest.raises(ValueError, match="id_prefix"):
        render_hexmap({}, label="Map", id_prefix='x" onload="alert(1)')


def test_each_category_has_its_own_texture_and_mark_contrast():
    textures = [c.texture for c in CATEGORIES.values()]
    assert len(textures) == len(set(textures))

    def luminance(colour: str) -> float:
        channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
        linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    for category in CATEGORIES.values():
        high, low = sorted([luminance(category.fill), luminance(category.mark)], reverse=True)
        assert (high + 0.05) / (low + 0.05) >= 3, category.key


def test_stylesheet_colours_match_the_svg_fallbacks():
    text = SCSS.read_text(encoding="utf-8")
    variables = {"$hexmap-text": "#0b0c0c", "$hexmap-edge": "#505a5f"}
    found = {}
    for key, fill, mark in re.findall(r'"([a-z-]+)": \((#[0-9a-f]{6}), (#[0-9a-f]{6}|\$[a-z-]+)\)',
                                      text):
        found[key] = (fill, variables.get(mark, mark))
    assert found == {key: (c.fill, c.mark) for key, c in CATEGORIES.items()}


# --- legend and the template include --------------------------------------------------------


def test_legend_has_a_swatch_and_words_for_each_category_asked_for():
    items = legend_items(["worse", "best", "similar"], outline_label="Greater Manchester")
    assert [item.text for item in items] == [
        "Better than England", "Similar to England", "Worse than England", "Greater Manchester"]
    for item in items:
        swatch = parse(item.swatch)
        assert swatch.get("aria-hidden") == "true"
    better = parse(items[0].swatch).findall(f"{SVG}path")
    assert [p.get("class") for p in better] == ["hexmap__swatch-shape hex--better",
                                                "hexmap__mark hexmap__mark--better"]
    similar = parse(items[1].swatch).findall(f"{SVG}path")
    assert [p.get("class") for p in similar] == ["hexmap__swatch-shape hex--similar"]
    assert [i.text for i in legend_items(benchmark="the region")][0] == "Better than the region"


def test_include_renders_figure_caption_key_and_table_twin():
    fills = {code_of("Bolton"): "worse", code_of("Bury"): "similar"}
    html = render_to_string("includes/hexmap.html", {
        "svg": render_hexmap(fills, label="Deaths", outline={code_of("Bolton")}),
        "caption": "Deaths from drug misuse <2021 to 2023>",
        "legend": legend_items(fills.values(), outline_label="The partnership"),
        "rows": [HexMapRow("Bolton", "12.3", "Worse than England", True),
                 HexMapRow("Bury <North>", "", "Similar to England")],
        "value_heading": "Per 100,000",
        "outline_heading": "In the partnership",
    })
    assert html.count("<figcaption") == 1
    assert "Deaths from drug misuse &lt;2021 to 2023&gt;" in html
    assert html.count('class="hexmap__hex ') == 153  # the SVG is not escaped
    assert html.count('class="hexmap__legend-item"') == 3
    assert "Bury &lt;North&gt;" in html
    assert re.search(r"Bolton</th>\s*<td[^>]*>12.3</td>\s*<td[^>]*>Worse than England</td>\s*"
                     r"<td[^>]*>Yes</td>", html)
    assert re.search(r"Bury &lt;North&gt;</th>\s*<td[^>]*>–</td>", html)
    assert ">Per 100,000</th>" in html and ">In the partnership</th>" in html
