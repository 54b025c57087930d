"""A hex map of England's 153 upper-tier local authorities, rendered on the server as SVG.

One hexagon per authority, placed so that neighbours stay roughly next to each other (the
layout is ``data/utla2023.hexjson``; see ``data/PROVENANCE.md`` for where it came from and
what we changed). Each hexagon is coloured by its comparison with a benchmark (usually
England), and a partnership's footprint can be outlined as one shape.

Use::

    from cdphub.geography.hexmap import render_hexmap, legend_items

    svg = render_hexmap(
        {"E08000001": "worse", "E08000002": "similar", ...},   # code -> comparison
        titles={"E08000001": "Bolton: 12.3 per 1,000 (worse than England)", ...},
        outline={"E08000001", "E08000002", ...},               # the partnership's footprint
        label="Deaths from drug misuse, 2021 to 2023, by upper-tier local authority",
        highlight_label="Greater Manchester Combating Drugs Partnership",
    )
    legend = legend_items(["better", "similar", "worse", "not-compared"],
                          outline_label="Greater Manchester Combating Drugs Partnership")

and ``{% include "includes/hexmap.html" with svg=svg legend=legend caption=... rows=... %}``.

What the SVG is:

* an inline ``<svg>`` with a ``viewBox`` (it scales to its container and prints), ``role="img"``
  and ``aria-labelledby`` naming its own ``<title>`` (``label``) and ``<desc>`` (a count per
  category, generated unless ``description`` is given);
* one ``<path class="hexmap__hex hex--<category>">`` per authority with a ``<title>`` for
  hover; colours come from the stylesheet (``static/scss/_hexmap.scss``) by class. Each
  category also has its own texture (dots for better, diagonal stripes for worse, horizontal
  stripes for higher, cross-hatching for lower, a ring for not compared, thin hatching for no
  data; similar is plain), drawn as a small path over each hexagon
  (``hexmap__mark hexmap__mark--<category>``), so the categories differ without colour.
  Hexagons and marks also carry their colours as presentation attributes, so the map still
  reads where the stylesheet is missing (the stylesheet's rules take precedence);
* the outline: one ``<path class="hexmap__outline">`` tracing the outer edges of the union of
  the ``outline`` authorities (edges shared by two outlined hexagons are not drawn), drawn
  twice, a white halo under a black line, so it shows on any fill.

No JavaScript, no ``style`` attributes (the CSP forbids them). The geometry is pure and
computed once per process (``hexmap_layout()`` is cached); rendering a map is string work.

Codes: the layout holds the codes in use in 2023 (Barnsley E08000016, Sheffield E08000019).
Every function here also accepts the codes that replaced them (E08000038, E08000039) and the
codes of authorities whose area passed unchanged to one new authority (for example
Buckinghamshire E10000002); a code for an area later split (Cumbria E10000006,
Northamptonshire E10000021) may be outlined (both successors are) but not coloured.
"""

from __future__ import annotations

import csv
import hashlib
import json
import math
import re
from collections import Counter, defaultdict
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

from markupsafe import Markup, escape

__all__ = [
    "CATEGORIES", "Category", "Hex", "HexLayout", "HexMapRow", "LegendItem",
    "category_for", "hexmap_layout", "legend_items", "render_hexmap",
]

DATA_DIR = Path(__file__).resolve().parent / "data"
LAYOUT_FILE = DATA_DIR / "utla2023.hexjson"
#: The layout's codes are the upper-tier authorities in use from 1 April 2023 to 31 March 2025.
LAYOUT_DATE = "2023-04-01"

HEX_SIZE = 10.0  # centre to corner, in SVG user units
PADDING = 4.0  # room round the edge for the outline's stroke

# --- Categories -----------------------------------------------------------------------------

TEXT_COLOUR = "#0b0c0c"
WHITE = "#ffffff"


@dataclass(frozen=True)
class Category:
    """How one comparison outcome looks: its fill, and a texture so it differs without colour.

    ``texture`` is one of "solid", "dots", "rings", "stripes" (diagonal), "hstripes",
    "crosshatch" or "hatch" (thin diagonal, the other way); ``mark`` is the texture's colour,
    chosen for at least 3:1 contrast with ``fill``.
    """

    key: str
    text: str  # for the legend; "{benchmark}" is replaced
    fill: str
    texture: str
    mark: str


#: The comparison categories, in legend order. The fills are OHID Fingertips' colours (as
#: ``.app-compare--*`` uses for tags); ``_hexmap.scss`` sets the same by class, and a test
#: checks the two agree.
CATEGORIES: dict[str, Category] = {c.key: c for c in (
    Category("better", "Better than {benchmark}", "#92d050", "dots", TEXT_COLOUR),
    Category("similar", "Similar to {benchmark}", "#ffc000", "solid", TEXT_COLOUR),
    Category("worse", "Worse than {benchmark}", "#c00000", "stripes", WHITE),
    Category("higher", "Higher than {benchmark}", "#bed2ff", "hstripes", TEXT_COLOUR),
    Category("lower", "Lower than {benchmark}", "#5555e6", "crosshatch", WHITE),
    Category("not-compared", "Not compared", WHITE, "rings", "#505a5f"),
    Category("no-data", "No data", "#dee0e2", "hatch", "#505a5f"),
)}

# What cdphub.stats.compare (and stored values) call them -> our category keys.
_CATEGORY_ALIASES = {
    "best": "better", "worst": "worse", "same": "similar",
    "not compared": "not-compared", "not_compared": "not-compared", "": "not-compared",
    "no data": "no-data", "no_data": "no-data",
}


def category_for(comparison: str | None) -> str:
    """The category key for a comparison word: ``"best"`` → ``"better"``, ``None`` → no data.

    Accepts the words ``cdphub.stats.compare`` produces ("similar", "better", "best",
    "not compared", ...) as well as the keys of ``CATEGORIES``.
    """
    if comparison is None:
        return "no-data"
    word = comparison.strip().lower()
    key = _CATEGORY_ALIASES.get(word, word)
    if key not in CATEGORIES:
        raise ValueError(
            f"Unknown comparison {comparison!r} for the hex map: use one of "
            f"{', '.join(CATEGORIES)} (or best, worst, not compared)."
        )
    return key


# --- Layout ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hex:
    code: str
    name: str
    region: str
    q: int
    r: int
    x: float  # centre, in SVG user units
    y: float
    corners: tuple[tuple[int, int], ...]  # lattice points, clockwise from the top
    d: str  # the hexagon as an SVG path


@dataclass(frozen=True, eq=False)
class HexLayout:
    """A parsed HexJSON layout with its geometry.

    Corners are held as integer lattice points (a step is half a hexagon's width across and
    half its side down, for pointy-topped layouts) so that neighbouring hexagons share
    corners exactly; neighbours and outlines are worked out from shared edges, which is how
    they are drawn.
    """

    layout: str
    hexes: dict[str, Hex]
    size: float
    width: float
    height: float
    unit_x: float
    unit_y: float
    offset_x: float
    offset_y: float
    aliases: dict[str, str]  # replacement or predecessor code -> layout code (one-to-one)
    splits: dict[str, tuple[str, ...]]  # predecessor code -> layout codes (one-to-many)
    edge_owners: dict[frozenset[tuple[int, int]], tuple[str, ...]] = field(repr=False)

    # geometry

    def point(self, corner: tuple[int, int]) -> tuple[float, float]:
        return (corner[0] * self.unit_x + self.offset_x, corner[1] * self.unit_y + self.offset_y)

    def edges(self, code: str) -> list[frozenset[tuple[int, int]]]:
        corners = self.hexes[code].corners
        return [frozenset((corners[i], corners[(i + 1) % 6])) for i in range(6)]

    def neighbours(self, code: str) -> set[str]:
        """The authorities whose hexagons share an edge with this one's."""
        code = self.resolve(code)
        owners = self.edge_owners
        return {other for edge in self.edges(code) for other in owners[edge] if other != code}

    def outer_edges(self, codes: Iterable[str]) -> list[frozenset[tuple[int, int]]]:
        """The edges of the union of these hexagons that are not shared by two of them."""
        chosen = self.resolve_many(codes, allow_splits=True)
        counts = Counter(edge for code in chosen for edge in self.edges(code))
        return [edge for edge, count in counts.items() if count == 1]

    def outline_path(self, codes: Iterable[str]) -> str:
        """An SVG path tracing the outer edges of the union of these hexagons, one closed
        sub-path per loop (a footprint in two separate pieces gives two)."""
        edges = self.outer_edges(codes)
        at: dict[tuple[int, int], list[tuple[int, int]]] = defaultdict(list)
        for edge in edges:
            a, b = sorted(edge)
            at[a].append(b)
            at[b].append(a)
        unused = {frozenset(edge) for edge in edges}
        loops = []
        for start in sorted(at):
            if not any(frozenset((start, other)) in unused for other in at[start]):
                continue
            loop = [start]
            current = start
            while True:
                step = next((other for other in sorted(at[current])
                             if frozenset((current, other)) in unused), None)
                if step is None:
                    break
                unused.discard(frozenset((current, step)))
                if step == start:
                    break
                loop.append(step)
                current = step
            loops.append("M" + " L".join(_fmt_point(self.point(c)) for c in loop) + " Z")
        return " ".join(loops)

    # codes

    def resolve(self, code: str) -> str:
        """The layout's code for an authority code (a replaced code maps to its successor)."""
        if code in self.hexes:
            return code
        if code in self.aliases:
            return self.aliases[code]
        if code in self.splits:
            raise ValueError(
                f"{code} was split into {', '.join(self.splits[code])}: give a value for each "
                f"of those instead."
            )
        raise ValueError(
            f"{code} is not an upper-tier local authority in the hex map (it holds the 153 "
            f"English upper-tier authorities from {LAYOUT_DATE}, or the codes that replaced them)."
        )

    def resolve_many(self, codes: Iterable[str], *, allow_splits: bool = False) -> set[str]:
        resolved: set[str] = set()
        unknown = []
        for code in codes:
            if allow_splits and code in self.splits:
                resolved.update(self.splits[code])
                continue
            try:
                resolved.add(self.resolve(code))
            except ValueError:
                unknown.append(code)
        if unknown:
            if len(unknown) == 1:
                self.resolve(unknown[0])  # raises with the specific reason
            raise ValueError(
                f"Not upper-tier local authorities in the hex map: {', '.join(sorted(unknown))}."
            )
        return resolved


# Corner offsets in lattice steps, clockwise from the top (pointy) or the left (flat).
_POINTY_CORNERS = ((0, -2), (1, -1), (1, 1), (0, 2), (-1, 1), (-1, -1))
_FLAT_CORNERS = ((-2, 0), (-1, -1), (1, -1), (2, 0), (1, 1), (-1, 1))


def _centre(layout: str, q: int, r: int) -> tuple[int, int]:
    """A hexagon's centre in lattice steps, as Open Innovations' own renderer places it.

    Rows (r) count upwards, so north is up; "odd-r" shifts odd rows half a hexagon right,
    "even-r" even rows; "odd-q" shifts odd columns half a hexagon up, "even-q" even columns.
    """
    if layout in ("odd-r", "even-r"):
        shifted = (r % 2 == 1) if layout == "odd-r" else (r % 2 == 0)
        return 2 * q + (1 if shifted else 0), -3 * r
    if layout in ("odd-q", "even-q"):
        shifted = (q % 2 == 1) if layout == "odd-q" else (q % 2 == 0)
        return 3 * q, -2 * r - (1 if shifted else 0)
    raise ValueError(f"Unknown HexJSON layout {layout!r}: use odd-r, even-r, odd-q or even-q.")


def build_layout(hexjson: Mapping, *, aliases: Mapping[str, str] | None = None,
                 splits: Mapping[str, tuple[str, ...]] | None = None,
                 size: float = HEX_SIZE, padding: float = PADDING) -> HexLayout:
    """Parse a HexJSON document (``{"layout": ..., "hexes": {code: {"q", "r", "n"}}}``)."""
    kind = hexjson.get("layout")
    pointy = kind in ("odd-r", "even-r")
    if pointy:
        unit_x, unit_y = size * math.sqrt(3) / 2, size / 2
        offsets = _POINTY_CORNERS
    else:
        unit_x, unit_y = size / 2, size * math.sqrt(3) / 2
        offsets = _FLAT_CORNERS
    raw = {}
    cells: dict[tuple[int, int], str] = {}
    for code, entry in hexjson["hexes"].items():
        q, r = int(entry["q"]), int(entry["r"])
        if (q, r) in cells:
            raise ValueError(f"{code} and {cells[(q, r)]} are both at q={q}, r={r}.")
        cells[(q, r)] = code
        ci, cj = _centre(kind, q, r)
        raw[code] = (entry, q, r, ci, cj, tuple((ci + di, cj + dj) for di, dj in offsets))
    all_i = [c[0] for item in raw.values() for c in item[5]]
    all_j = [c[1] for item in raw.values() for c in item[5]]
    offset_x = padding - min(all_i) * unit_x
    offset_y = padding - min(all_j) * unit_y
    width = (max(all_i) - min(all_i)) * unit_x + 2 * padding
    height = (max(all_j) - min(all_j)) * unit_y + 2 * padding

    def point(corner):
        return corner[0] * unit_x + offset_x, corner[1] * unit_y + offset_y

    hexes = {}
    for code, (entry, q, r, ci, cj, corners) in raw.items():
        d = "M" + " L".join(_fmt_point(point(c)) for c in corners) + " Z"
        x, y = point((ci, cj))
        hexes[code] = Hex(code=code, name=entry.get("n") or entry.get("name") or code,
                          region=entry.get("region", ""), q=q, r=r, x=x, y=y,
                          corners=corners, d=d)
    owners: dict[frozenset[tuple[int, int]], list[str]] = defaultdict(list)
    for code, hexagon in hexes.items():
        corners = hexagon.corners
        for i in range(6):
            owners[frozenset((corners[i], corners[(i + 1) % 6]))].append(code)
    return HexLayout(layout=kind, hexes=hexes, size=size, width=width, height=height, unit_x=unit_x,
                     unit_y=unit_y, offset_x=offset_x, offset_y=offset_y,
                     aliases=dict(aliases or {}), splits=dict(splits or {}),
                     edge_owners={edge: tuple(codes) for edge, codes in owners.items()})


def _code_changes(codes: Collection[str]) -> tuple[dict[str, str], dict[str, tuple[str, ...]]]:
    """Codes that map onto the layout's: replacements (utla2023_reference.csv's
    ``utla_code_current``) and predecessors (area_changes.csv), one-to-one or split."""
    aliases: dict[str, str] = {}
    with open(DATA_DIR / "utla2023_reference.csv", newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            current, of = row["utla_code_current"], row["utla_code_2023"]
            if current and current != of and of in codes:
                aliases[current] = of
    successors: dict[str, list[str]] = defaultdict(list)
    with open(DATA_DIR / "area_changes.csv", newline="", encoding="utf-8-sig") as handle:
        for row in csv.DictReader(handle):
            new = row["new_code"] if row["new_code"] in codes else aliases.get(row["new_code"])
            if new and row["old_code"] not in codes:
                successors[row["old_code"]].append(new)
    splits = {}
    for old, new in successors.items():
        if len(new) == 1:
            aliases.setdefault(old, new[0])
        else:
            splits[old] = tuple(sorted(new))
    return aliases, splits


@cache
def hexmap_layout() -> HexLayout:
    """The layout of England's upper-tier authorities (parsed once per process)."""
    with open(LAYOUT_FILE, encoding="utf-8") as handle:
        hexjson = json.load(handle)
    aliases, splits = _code_changes(set(hexjson["hexes"]))
    return build_layout(hexjson, aliases=aliases, splits=splits)


def _fmt(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _fmt_point(point: tuple[float, float]) -> str:
    return f"{_fmt(point[0])},{_fmt(point[1])}"


# --- Textures -------------------------------------------------------------------------------
#
# Each category's marks are drawn as one small vector path per hexagon, clipped to a hexagon a
# little inside the edge and placed with a transform. (SVG <pattern> fills would be simpler, but
# Chromium prints them as tens of megabytes of PDF.)

_INSET = 0.9  # the marks stay inside this fraction of the hexagon


def _hexagon(pointy: bool, size: float) -> list[tuple[float, float]]:
    """Corners of a hexagon centred on the origin, clockwise on screen (y down)."""
    start = -90 if pointy else 180
    return [(size * math.cos(math.radians(start + 60 * i)),
             size * math.sin(math.radians(start + 60 * i))) for i in range(6)]


def _clip(polygon, point, direction) -> tuple[float, float] | None:
    """The span of t for which point + t * direction lies inside the convex polygon."""
    low, high = -math.inf, math.inf
    for i, (ax, ay) in enumerate(polygon):
        bx, by = polygon[(i + 1) % len(polygon)]
        ex, ey = bx - ax, by - ay
        # inside (clockwise on screen): cross(edge, p - a) >= 0
        base = ex * (point[1] - ay) - ey * (point[0] - ax)
        rate = ex * direction[1] - ey * direction[0]
        if abs(rate) < 1e-12:
            if base < 0:
                return None
            continue
        bound = -base / rate
        if rate > 0:
            low = max(low, bound)
        else:
            high = min(high, bound)
    return (low, high) if high - low > 1e-6 else None


def _lines(polygon, angle: float, spacing: float) -> str:
    """Parallel lines at ``angle`` degrees (0 = horizontal, screen y down), ``spacing`` apart,
    clipped to the polygon, as path data."""
    dx, dy = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    nx, ny = -dy, dx
    reach = max(math.hypot(x, y) for x, y in polygon)
    segments = []
    steps = int(reach // spacing) + 1
    for k in range(-steps, steps + 1):
        point = (nx * k * spacing, ny * k * spacing)
        span = _clip(polygon, point, (dx, dy))
        if span:
            a = (point[0] + dx * span[0], point[1] + dy * span[0])
            b = (point[0] + dx * span[1], point[1] + dy * span[1])
            segments.append(f"M{_fmt_point(a)} L{_fmt_point(b)}")
    return " ".join(segments)


def _circles(centres, radius: float) -> str:
    r = _fmt(radius)
    return " ".join(f"M{_fmt(x - radius)},{_fmt(y)} a{r},{r} 0 1,0 {_fmt(2 * radius)},0 "
                    f"a{r},{r} 0 1,0 {_fmt(-2 * radius)},0 Z" for x, y in centres)


@cache
def _mark_path(texture: str, pointy: bool, size: float) -> tuple[str, str]:
    """(path data, presentation attributes) of a texture's marks round the origin, for a
    hexagon of this size; ("", "") for a solid fill."""
    inner = _hexagon(pointy, size * _INSET)
    unit = size / 10  # marks were designed for hexagons of size 10
    if texture == "dots":
        ring = [(5 * unit * math.cos(math.radians(a)), 5 * unit * math.sin(math.radians(a)))
                for a in range(0, 360, 60)]
        return _circles([(0.0, 0.0), *ring], 1.2 * unit), "stroke=\"none\""
    if texture == "rings":
        return _circles([(0.0, 0.0)], 3.2 * unit), f'fill="none" stroke-width="{_fmt(0.9 * unit)}"'
    widths = {"stripes": 1.4, "hatch": 0.6, "hstripes": 0.9, "crosshatch": 0.8}
    if texture == "stripes":
        d = _lines(inner, -45, 3.6 * unit)
    elif texture == "hatch":
        d = _lines(inner, 45, 3.6 * unit)
    elif texture == "hstripes":
        d = _lines(inner, 0, 3 * unit)
    elif texture == "crosshatch":
        d = _lines(inner, -45, 3.6 * unit) + " " + _lines(inner, 45, 3.6 * unit)
    else:
        return "", ""
    return d, f'fill="none" stroke-width="{_fmt(widths[texture] * unit)}"'


def _marks(category: Category, pointy: bool, size: float, x: float, y: float) -> str:
    """One category's marks for the hexagon centred at (x, y), or "" for a solid fill."""
    d, attributes = _mark_path(category.texture, pointy, size)
    if not d:
        return ""
    colour = (f'fill="{category.mark}"' if category.texture == "dots"
              else f'stroke="{category.mark}"')
    return (f'<path class="hexmap__mark hexmap__mark--{category.key}" '
            f'transform="translate({_fmt(x)} {_fmt(y)})" d="{d}" {colour} {attributes} '
            f'pointer-events="none"/>')


# --- Rendering ------------------------------------------------------------------------------


_ID_PREFIX = re.compile(r"[A-Za-z][A-Za-z0-9_-]*")


def _checked_prefix(prefix: str) -> str:
    if not _ID_PREFIX.fullmatch(prefix):
        raise ValueError(f"id_prefix {prefix!r} must be a letter then letters, digits, - or _.")
    return prefix


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def _describe(counts: Counter, total: int, benchmark: str, outlined: int,
              highlight_label: str | None) -> str:
    parts = []
    for key, category in CATEGORIES.items():
        if counts.get(key):
            text = category.text.format(benchmark=benchmark)
            parts.append(f"{text[0].lower() + text[1:] if parts else text}: {counts[key]}")
    sentences = [
        f"Hex map of England's {total} upper-tier local authorities, one hexagon each, placed "
        f"so that neighbours are roughly next to each other.",
        "; ".join(parts) + ".",
    ]
    if outlined and highlight_label:
        sentences.append(f"{highlight_label} ({_plural(outlined, 'authority', 'authorities')}) "
                         f"is outlined.")
    elif outlined:
        sentences.append(f"{_plural(outlined, 'authority is', 'authorities are')} outlined.")
    return " ".join(sentences)


def render_hexmap(
    fills: Mapping[str, str | None],
    *,
    label: str,
    outline: Collection[str] = frozenset(),
    titles: Mapping[str, str] | None = None,
    highlight_label: str | None = None,
    description: str | None = None,
    benchmark: str = "England",
    id_prefix: str | None = None,
) -> Markup:
    """The hex map as an inline ``<svg>`` (safe to put straight into a template).

    * ``fills``: authority code → comparison: a key of ``CATEGORIES`` ("better", "similar",
      "worse", "higher", "lower", "not-compared", "no-data") or a word from
      ``cdphub.stats.compare`` ("best", "worst", "not compared"); ``None`` means no data.
      Authorities not given are drawn as "no data".
    * ``label``: the map's accessible name (its ``<title>``); say what is shown and when.
    * ``outline``: codes of the authorities to outline as one shape (a partnership's
      footprint); empty for none.
    * ``titles``: code → the text shown on hover, e.g. "Bolton: 12.3 (worse than England)";
      escaped here. Default: the authority's name and its comparison.
    * ``highlight_label``: what the outline is, for the description (e.g. the partnership).
    * ``description``: the ``<desc>``; default: counts per category and what is outlined.
    * ``benchmark``: the comparator's name in default texts.
    * ``id_prefix``: prefix for the ids inside the SVG; default derived from ``label``. Give
      two maps on one page different labels or prefixes.

    Raises ``ValueError`` naming any code that is not an upper-tier authority of the layout
    (see the module docstring for replaced codes) or any unknown comparison.
    """
    layout = hexmap_layout()
    prefix = _checked_prefix(id_prefix) if id_prefix else (
        "hexmap-" + hashlib.sha256(label.encode()).hexdigest()[:8])
    categories = {code: "no-data" for code in layout.hexes}
    unknown = [code for code in fills if code not in layout.hexes and code not in layout.aliases]
    if unknown:
        layout.resolve_many(unknown)  # raises, naming them
    given: dict[str, str] = {}
    for code, comparison in fills.items():
        target = layout.resolve(code)
        if target in given and category_for(comparison) != categories[target]:
            raise ValueError(f"{given[target]} and {code} are the same authority with different "
                             f"comparisons: give one.")
        given[target] = code
        categories[target] = category_for(comparison)
    hover = {}
    for code, text in (titles or {}).items():
        hover[layout.resolve(code)] = text
    outlined = layout.resolve_many(outline, allow_splits=True) if outline else set()

    counts = Counter(categories.values())
    desc = description or _describe(counts, len(layout.hexes), benchmark, len(outlined),
                                     highlight_label)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="hexmap__svg" '
        f'viewBox="0 0 {_fmt(layout.width)} {_fmt(layout.height)}" '
        f'width="{_fmt(layout.width * 2)}" height="{_fmt(layout.height * 2)}" role="img" '
        f'aria-labelledby="{prefix}-title {prefix}-desc">',
        f'<title id="{prefix}-title">{escape(label)}</title>',
        f'<desc id="{prefix}-desc">{escape(desc)}</desc>',
        '<g class="hexmap__hexes" stroke="#505a5f" stroke-width="0.6">',
    ]
    marks = []
    pointy = layout.layout in ("odd-r", "even-r")
    for code, hexagon in layout.hexes.items():
        key = categories[code]
        text = hover.get(code)
        if text is None:
            text = f"{hexagon.name}: {CATEGORIES[key].text.format(benchmark=benchmark)}"
        in_outline = " hexmap__hex--outlined" if code in outlined else ""
        parts.append(
            f'<path class="hexmap__hex hex--{key}{in_outline}" data-code="{code}" '
            f'fill="{CATEGORIES[key].fill}" d="{hexagon.d}"><title>{escape(text)}</title></path>'
        )
        marks.append(_marks(CATEGORIES[key], pointy, layout.size, hexagon.x, hexagon.y))
    parts.append("</g>")
    parts.append('<g class="hexmap__marks">' + "".join(marks) + "</g>")
    if outlined:
        path = layout.outline_path(outlined)
        parts.append(f'<path class="hexmap__outline-halo" d="{path}" fill="none" '
                     f'stroke="{WHITE}" stroke-width="4" stroke-linejoin="round"/>')
        parts.append(f'<path class="hexmap__outline" d="{path}" fill="none" '
                     f'stroke="{TEXT_COLOUR}" stroke-width="2" stroke-linejoin="round"/>')
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every text in it went through escape())


# --- Legend and table twin ------------------------------------------------------------------


@dataclass(frozen=True)
class LegendItem:
    key: str  # a category key, or "outline"
    text: str
    swatch: Markup  # a small decorative SVG (aria-hidden): the texture, or the outline


def _swatch(key: str) -> Markup:
    """A 24 by 24 hexagon as drawn on the map (same size, so the same marks)."""
    open_tag = ('<svg xmlns="http://www.w3.org/2000/svg" class="hexmap__swatch" '
                'viewBox="0 0 24 24" width="24" height="24" aria-hidden="true" '
                'focusable="false">')
    shape = "M" + " L".join(_fmt_point((12 + x, 12 + y))
                            for x, y in _hexagon(True, HEX_SIZE)) + " Z"
    if key == "outline":
        body = (f'<path class="hexmap__outline-halo" d="{shape}" fill="none" '
                f'stroke="{WHITE}" stroke-width="4"/>'
                f'<path class="hexmap__outline" d="{shape}" fill="none" '
                f'stroke="{TEXT_COLOUR}" stroke-width="2" stroke-linejoin="round"/>')
    else:
        category = CATEGORIES[key]
        body = (f'<path class="hexmap__swatch-shape hex--{key}" d="{shape}" '
                f'fill="{category.fill}" stroke="#505a5f" stroke-width="1"/>'
                + _marks(category, True, HEX_SIZE, 12, 12))
    return Markup(open_tag + body + "</svg>")  # noqa: S704 (no caller text in it)


def legend_items(categories: Iterable[str | None] | None = None, *, benchmark: str = "England",
                 outline_label: str | None = None) -> list[LegendItem]:
    """The key: one item per category (all of them, or those given, in the standard order),
    each with a swatch showing its colour and texture and its words; then the outline's
    item when ``outline_label`` is given."""
    wanted = ({category_for(c) for c in categories} if categories is not None
              else set(CATEGORIES))
    items = [LegendItem(key, category.text.format(benchmark=benchmark), _swatch(key))
             for key, category in CATEGORIES.items() if key in wanted]
    if outline_label:
        items.append(LegendItem("outline", outline_label, _swatch("outline")))
    return items


@dataclass(frozen=True)
class HexMapRow:
    """One row of the map's table twin."""

    area: str
    value: str
    comparison: str
    outlined: bool = False
