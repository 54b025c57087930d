"""The governance map's SVG (cdphub.partnerships.governance_map): well-formed, accessible,
complete, escaped, and laid out without overlaps. No database."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest

from cdphub.partnerships.governance_map import (
    CHAR_WIDTH,
    MIN_GROUP_WIDTH,
    PAD,
    BodyLink,
    GovernanceStructure,
    GroupNode,
    describe,
    render_svg,
)

SVG = "{http://www.w3.org/2000/svg}"
RELATIONSHIPS = [
    ("reports_to", "The partnership reports to it"),
    ("reports_in", "It reports to the partnership"),
    ("shared", "Shares members and information"),
    ("informs", "Informs the partnership's work"),
]


def link(n: int) -> BodyLink:
    key, label = RELATIONSHIPS[n % len(RELATIONSHIPS)]
    return BodyLink(name=f"Linked body number {n} with a fairly long name", body_type="Other",
                    relationship=key, relationship_label=label)


def big_structure() -> GovernanceStructure:
    """12 sub-groups (a three-level branch, several at the top) and 10 links."""
    deep = GroupNode("Treatment and recovery group", "Dr Alice Smith", (
        GroupNode("Workforce development group", children=(
            GroupNode("Naloxone task and finish group"),
            GroupNode("Recovery housing task and finish group"),
        )),
        GroupNode("Drug-related deaths panel", "Coroner's officer"),
    ))
    others = tuple(GroupNode(f"Sub-group {n}: a group with a name long enough to wrap onto "
                             "two lines") for n in range(1, 8))
    return GovernanceStructure(board="Greater Manchester Combating Drugs Partnership",
                               groups=(deep, *others), links=tuple(link(n) for n in range(10)))


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 - our own output, parsed to prove it well-formed


def all_text(root: ET.Element) -> str:
    return " ".join(root.itertext())


def boxes(root: ET.Element) -> list[tuple[float, float, float, float]]:
    return [tuple(float(rect.get(k)) for k in ("x", "y", "width", "height"))
            for rect in root.iter(f"{SVG}rect")]


def overlap(a, b) -> bool:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    return ax < bx + bw and bx < ax + aw and ay < by + bh and by < ay + ah


def test_is_well_formed_svg_with_title_desc_and_role():
    root = parse(render_svg(big_structure(), id_prefix="map-1"))
    assert root.tag == f"{SVG}svg"
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and desc is not None
    assert title.text == "Governance map: Greater Manchester Combating Drugs Partnership"
    assert root.get("aria-labelledby") == f"{title.get('id')} {desc.get('id')}"
    assert title.get("id") == "map-1-title"
    assert "Workforce development group (reports to Treatment and recovery group)" in desc.text


def test_contains_every_sub_group_and_link_name():
    structure = big_structure()
    text = all_text(parse(render_svg(structure)))
    names = ["Treatment and recovery group", "Workforce development group",
             "Naloxone task and finish group", "Recovery housing task and finish group",
             "Drug-related deaths panel",
             *(f"Sub-group {n}: a group with a name long enough to wrap onto two lines"
               for n in range(1, 8)),
             *(link.name for link in structure.links)]
    assert len(names) == 12 + 10
    for name in names:
        assert name in text, name
    for _key, label in RELATIONSHIPS:
        assert label.lower() in text.lower()


def test_text_is_escaped_and_control_characters_dropped():
    nasty = 'Group <script>alert("x")</script> & "friends"\x0b'
    structure = GovernanceStructure(
        board="A & B <Partnership>", groups=(GroupNode(nasty, chair="O'Brien & co"),),
        links=(BodyLink("CSP </svg><svg>", "Community Safety Partnership", "shared",
                        "Shares members and information"),))
    svg = render_svg(structure)
    root = parse(svg)  # would raise if anything were unescaped
    assert "<script>" not in svg
    text = all_text(root)
    assert 'Group <script>alert("x")</script> & "friends"' in text
    assert "CSP </svg><svg>" in text
    assert "\x0b" not in text
    assert len(list(root.iter(f"{SVG}script"))) == 0


def test_boxes_never_overlap_and_stay_inside_the_picture():
    root = parse(render_svg(big_structure()))
    _x0, _y0, width, height = (float(v) for v in root.get("viewBox").split())
    rects = boxes(root)
    assert len(rects) == 1 + 12 + 10  # board, sub-groups, links
    for a, b in itertools.combinations(rects, 2):
        assert not overlap(a, b), (a, b)
    for x, y, w, h in rects:
        assert x >= 0 and y >= 0 and x + w <= width and y + h <= height


def test_text_lines_fit_their_boxes():
    root = parse(render_svg(big_structure()))
    for group in root.iter(f"{SVG}g"):
        rect = group.find(f"{SVG}rect")
        x, y, w, h = (float(rect.get(k)) for k in ("x", "y", "width", "height"))
        for line in group.iter(f"{SVG}text"):
            assert len(line.text) * CHAR_WIDTH <= w - 2 * PAD + 1, line.text
            assert y < float(line.get("y")) < y + h


def test_long_names_are_cut_short_but_kept_whole_in_the_node_title():
    long_name = "Partnership " * 30
    root = parse(render_svg(GovernanceStructure("Board", groups=(GroupNode(long_name),))))
    group = next(g for g in root.iter(f"{SVG}g") if g.find(f"{SVG}title").text == long_name)
    lines = [t.text for t in group.iter(f"{SVG}text")]
    assert len(lines) == 2 and lines[-1].endswith("…")


def test_a_deep_chain_keeps_boxes_readable():
    node = GroupNode("Level 12")
    for level in range(11, 0, -1):
        node = GroupNode(f"Level {level}", children=(node,))
    root = parse(render_svg(GovernanceStructure("Board", groups=(node,))))
    widths = [w for _x, _y, w, _h in boxes(root)[1:]]
    assert len(widths) == 12
    assert min(widths) >= MIN_GROUP_WIDTH
    assert widths == sorted(widths, reverse=True)  # each level indented under its parent


def _segments(d: str) -> list[tuple[float, float, float, float]]:
    """The straight segments of an ``M x y H … V …`` path."""
    tokens = re.findall(r"[MHV]|-?\d+(?:\.\d+)?", d)
    x = y = 0.0
    segments = []
    i = 0
    while i < len(tokens):
        command = tokens[i]
        if command == "M":
            x, y = float(tokens[i + 1]), float(tokens[i + 2])
            i += 3
            continue
        value = float(tokens[i + 1])
        nx, ny = (value, y) if command == "H" else (x, value)
        segments.append((x, y, nx, ny))
        x, y = nx, ny
        i += 2
    return segments


def _cross(a, b) -> bool:
    """Whether two axis-aligned segments touch (including overlapping along a line)."""
    ax1, ay1, ax2, ay2 = min(a[0], a[2]), min(a[1], a[3]), max(a[0], a[2]), max(a[1], a[3])
    bx1, by1, bx2, by2 = min(b[0], b[2]), min(b[1], b[3]), max(b[0], b[2]), max(b[1], b[3])
    return ax1 <= bx2 and bx1 <= ax2 and ay1 <= by2 and by1 <= ay2


@pytest.mark.parametrize("count", [1, 4, 10, 14])
def test_connectors_to_linked_bodies_never_cross(count):
    structure = GovernanceStructure("Board", links=tuple(link(n) for n in range(count)))
    root = parse(render_svg(structure))
    connectors = [p.get("d") for p in root.iter(f"{SVG}path")
                  if p.get("d", "").startswith("M") and " V " in p.get("d", "")]
    assert len(connectors) == count
    for a, b in itertools.combinations(connectors, 2):
        for sa in _segments(a):
            for sb in _segments(b):
                assert not _cross(sa, sb), (a, b)


def _luminance(colour: str) -> float:
    channels = [int(colour[i:i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def _contrast(a: str, b: str) -> float:
    la, lb = sorted((_luminance(a), _luminance(b)), reverse=True)
    return (la + 0.05) / (lb + 0.05)


def test_text_has_enough_contrast_with_its_box():
    root = parse(render_svg(big_structure()))
    checked = 0
    for group in root.iter(f"{SVG}g"):
        fill = group.find(f"{SVG}rect").get("fill")
        for line in group.iter(f"{SVG}text"):
            assert _contrast(line.get("fill"), fill) >= 4.5, (line.text, fill)
            checked += 1
    assert checked > 23


def test_arrows_show_the_direction_of_each_relationship():
    structure = GovernanceStructure("Board", links=tuple(
        BodyLink(f"Body {key}", "Other", key, label) for key, label in RELATIONSHIPS))
    root = parse(render_svg(structure, id_prefix="m"))
    connectors = [p for p in root.iter(f"{SVG}path") if " V " in p.get("d", "")]
    ends = [(p.get("marker-start") is not None, p.get("marker-end") is not None,
             p.get("stroke-dasharray") is not None) for p in connectors]
    # body end, board end, dashed: in the order the links were given
    assert ends == [(True, False, False), (False, True, False), (True, True, False),
                    (False, True, True)]


def test_empty_structure_still_draws_and_says_so():
    structure = GovernanceStructure("Lonely CDP")
    root = parse(render_svg(structure))
    assert "No sub-groups recorded" in all_text(root)
    assert "no sub-groups" in describe(structure)
    assert "no links to other local bodies" in describe(structure)
