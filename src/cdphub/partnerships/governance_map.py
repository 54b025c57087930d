"""The governance map (guidance chapter 3, Governance): a server-drawn, accessible SVG of a
partnership board, its sub-groups as a tree under it, and the other local bodies it has
agreed a relationship with, around it.

Pure Python: simple data in, an SVG string out, no Django. Every piece of text is escaped;
long names wrap (and, past a few lines, are cut short with the full name kept in the node's
``<title>``). The layout cannot overlap: sub-groups take one row each, indented under the group
they report to; linked bodies stack in two columns either side of the board, each connector
in its own lane so no two cross.

Colours meet WCAG contrast: text at least 4.5:1 against its background, lines and box
borders at least 3:1 against white. Colour is never the only signal: every linked body says
its relationship in words, and the page shows the same structure as a nested list.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

# GOV.UK palette
BLACK = "#0b0c0c"  # text
DARK_GREY = "#505a5f"  # secondary text, lines: 7:1 on white, 6.3:1 on light grey
LIGHT_GREY = "#f3f2f1"
BLUE = "#1d70b8"  # the board: white text on it is 5.2:1
WHITE = "#ffffff"

FONT = "arial, sans-serif"
FONT_SIZE = 14
LINE_HEIGHT = 18
CHAR_WIDTH = FONT_SIZE * 0.56  # a generous average for Arial, so wrapped lines fit
PAD = 10

WIDTH = 800
MARGIN = 4
SIDE_WIDTH = 200  # a column of linked bodies
CENTRE_WIDTH = 264  # the board and its sub-groups
GAP = (WIDTH - 2 * MARGIN - 2 * SIDE_WIDTH - CENTRE_WIDTH) // 2  # where connectors run
LEFT_X = MARGIN
CENTRE_X = LEFT_X + SIDE_WIDTH + GAP
RIGHT_X = CENTRE_X + CENTRE_WIDTH + GAP
ROW_GAP = 12
INDENT = 20  # per level of the sub-group tree (less when the tree is deep)
MIN_GROUP_WIDTH = 160
ENTRY_SPACING = 14  # between connectors entering the board's side

# How each relationship is drawn: (arrow at the body's end, arrow at the board's end, dashed).
# Arrows point at whoever is reported to or informed.
RELATIONSHIP_STYLES: dict[str, tuple[bool, bool, bool]] = {
    "reports_to": (True, False, False),  # the partnership reports to the body
    "reports_in": (False, True, False),  # the body reports to the partnership
    "shared": (True, True, False),  # shares members and information
    "informs": (False, True, True),  # informs the partnership's work
}
# The key, drawn left to right: (arrow at the start, arrow at the end, dashed), label.
LEGEND = [
    ((False, True, False), "Reports to (the arrow points to the body reported to)"),
    ((True, True, False), "Shares members and information"),
    ((False, True, True), "Informs the work of (dashed line)"),
]

_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


@dataclass(frozen=True)
class GroupNode:
    """A sub-group and the sub-groups that report to it."""

    name: str
    chair: str = ""
    children: tuple[GroupNode, ...] = ()


@dataclass(frozen=True)
class BodyLink:
    """Another local body and how the partnership relates to it."""

    name: str
    body_type: str  # a label, for example "Community Safety Partnership"
    relationship: str  # a key of RELATIONSHIP_STYLES
    relationship_label: str  # in words, for example "The partnership reports to it"


@dataclass(frozen=True)
class GovernanceStructure:
    board: str  # the partnership's name
    groups: tuple[GroupNode, ...] = ()  # those reporting to the board itself
    links: tuple[BodyLink, ...] = ()


def describe(structure: GovernanceStructure) -> str:
    """The structure in sentences (the SVG's ``<desc>``)."""
    parts = [f"The {structure.board} board is at the top."]
    rows = list(_flatten(structure.groups))
    if rows:
        listed = "; ".join(f"{row.node.name} (reports to {row.parent or 'the board'})"
                           for row in rows)
        parts.append(f"{_count(len(rows), 'sub-group')} under it: {listed}.")
    else:
        parts.append("It has no sub-groups recorded.")
    if structure.links:
        listed = "; ".join(f"{link.name} ({link.body_type}): {link.relationship_label.lower()}"
                           for link in structure.links)
        parts.append(f"{_count(len(structure.links), 'linked local body', 'linked local bodies')}"
                     f" around it: {listed}.")
    else:
        parts.append("It has no links to other local bodies recorded.")
    return " ".join(parts)


def render_svg(structure: GovernanceStructure, *, id_prefix: str = "governance-map") -> str:
    """The governance map as a standalone SVG document (also fine inline in HTML)."""
    canvas = _Canvas(id_prefix)
    board = _Box(CENTRE_X, MARGIN, CENTRE_WIDTH,
                 [("Partnership board", "bold")] + [(line, "") for line in _wrap(
                     structure.board, CENTRE_WIDTH, 3)])
    left, right = _split(structure.links)
    board.height = max(board.height, (max(len(left), len(right)) + 1) * ENTRY_SPACING)
    canvas.box(board, fill=BLUE, stroke=BLUE, text=WHITE, title=structure.board)

    bottom = _draw_tree(canvas, structure.groups, board)
    for column, side in ((left, "left"), (right, "right")):
        bottom = max(bottom, _draw_links(canvas, column, side, board))
    if structure.links:
        bottom = _draw_legend(canvas, bottom + 2 * ROW_GAP)
    height = bottom + MARGIN
    return canvas.document(height, f"Governance map: {structure.board}", describe(structure))


# --- drawing -------------------------------------------------------------------------------


def _draw_tree(canvas: _Canvas, groups: tuple[GroupNode, ...], board: _Box) -> float:
    """Sub-groups one per row under the board, indented under the group they report to.
    Returns the bottom edge of the last row."""
    rows = list(_flatten(groups))
    y = board.bottom + 2 * ROW_GAP
    if not rows:
        canvas.text(CENTRE_X, y + FONT_SIZE, "No sub-groups recorded", DARK_GREY)
        return y + LINE_HEIGHT
    deepest = max(row.depth for row in rows)
    indent = min(INDENT, (CENTRE_WIDTH - MIN_GROUP_WIDTH) // (deepest + 1))
    drawn: dict[tuple[int, ...], _Box] = {(): board}  # the box drawn for each tree path
    for row in rows:
        x = CENTRE_X + indent * (row.depth + 1)
        width = CENTRE_WIDTH - indent * (row.depth + 1)
        lines = [(line, "bold") for line in _wrap(row.node.name, width, 2)]
        if row.node.chair:
            lines += [(line, "small") for line in _wrap(f"Chair: {row.node.chair}", width, 1)]
        box = _Box(x, y, width, lines)
        parent = drawn[row.path[:-1]]
        elbow_x = parent.x + indent // 2
        canvas.path(f"M {elbow_x} {parent.bottom} V {box.middle} H {box.x}")
        canvas.box(box, fill=WHITE, stroke=BLUE, text=BLACK, title=row.node.name)
        drawn[row.path] = box
        y = box.bottom + ROW_GAP
    return y - ROW_GAP


def _draw_links(canvas: _Canvas, links: list[BodyLink], side: str, board: _Box) -> float:
    """Linked bodies stacked in a column beside the board. Connector ``i`` leaves its box
    horizontally, runs up its own lane (nearer the board the lower the box) and enters the
    board lower the lower the box, so no two connectors cross. Returns the column's bottom."""
    if not links:
        return 0
    x = LEFT_X if side == "left" else RIGHT_X
    lane_step = GAP / (len(links) + 1)
    entry_step = board.height / (len(links) + 1)
    y = MARGIN
    for i, link in enumerate(links):
        lines = [(line, "bold") for line in _wrap(link.name, SIDE_WIDTH, 3)]
        if link.body_type and link.body_type.casefold() != link.name.casefold():
            lines += [(line, "small") for line in _wrap(link.body_type, SIDE_WIDTH, 2)]
        lines += [(line, "small") for line in _wrap(link.relationship_label, SIDE_WIDTH, 2)]
        box = _Box(x, y, SIDE_WIDTH, lines)
        canvas.box(box, fill=LIGHT_GREY, stroke=DARK_GREY, text=BLACK, title=link.name)
        offset = round(lane_step * (i + 1), 1)
        if side == "left":
            start, lane, end = box.right, box.right + offset, board.x
        else:
            start, lane, end = box.x, box.x - offset, board.right
        entry = round(board.y + entry_step * (i + 1), 1)
        at_body, at_board, dashed = RELATIONSHIP_STYLES.get(link.relationship,
                                                            (False, False, False))
        canvas.path(f"M {start} {box.middle} H {lane} V {entry} H {end}",
                    start_arrow=at_body, end_arrow=at_board, dashed=dashed)
        y = box.bottom + ROW_GAP
    return y - ROW_GAP


def _draw_legend(canvas: _Canvas, y: float) -> float:
    canvas.text(LEFT_X, y + FONT_SIZE, "Key", BLACK, weight="bold")
    y += LINE_HEIGHT + 6
    for (start_arrow, end_arrow, dashed), label in LEGEND:
        middle = y + LINE_HEIGHT // 2
        canvas.path(f"M {LEFT_X + 4} {middle} H {LEFT_X + 50}", start_arrow=start_arrow,
                    end_arrow=end_arrow, dashed=dashed)
        canvas.text(LEFT_X + 62, y + FONT_SIZE, label, BLACK)
        y += LINE_HEIGHT + 6
    canvas.text(LEFT_X, y + FONT_SIZE,
                "Sub-groups are listed under the board or the group they report to.", BLACK)
    return y + LINE_HEIGHT


# --- helpers -------------------------------------------------------------------------------


@dataclass
class _Box:
    x: float
    y: float
    width: float
    lines: list[tuple[str, str]]  # (text, style: "bold", "small" or "")
    height: float = field(init=False)

    def __post_init__(self):
        self.height = 2 * PAD + LINE_HEIGHT * len(self.lines) - (LINE_HEIGHT - FONT_SIZE)

    @property
    def bottom(self) -> float:
        return self.y + self.height

    @property
    def right(self) -> float:
        return self.x + self.width

    @property
    def middle(self) -> float:
        return round(self.y + self.height / 2, 1)


class _Canvas:
    def __init__(self, id_prefix: str):
        self.prefix = re.sub(r"[^A-Za-z0-9_-]", "-", id_prefix) or "governance-map"
        self.parts: list[str] = []

    def box(self, box: _Box, *, fill: str, stroke: str, text: str, title: str) -> None:
        self.parts.append(f"<g><title>{_text(title)}</title>")
        self.parts.append(
            f'<rect x="{box.x}" y="{box.y}" width="{box.width}" height="{box.height}" rx="3" '
            f'fill="{fill}" stroke="{stroke}" stroke-width="2"/>')
        baseline = box.y + PAD + FONT_SIZE - 2
        for line, style in box.lines:
            self.text(box.x + PAD, baseline, line, text, weight="bold" if style == "bold" else "",
                      size=FONT_SIZE - 1 if style == "small" else FONT_SIZE)
            baseline += LINE_HEIGHT
        self.parts.append("</g>")

    def text(self, x: float, y: float, content: str, colour: str, *, weight: str = "",
             size: int = FONT_SIZE) -> None:
        bold = ' font-weight="bold"' if weight else ""
        self.parts.append(f'<text x="{x}" y="{y}" font-size="{size}"{bold} fill="{colour}">'
                          f"{_text(content)}</text>")

    def path(self, d: str, *, start_arrow: bool = False, end_arrow: bool = False,
             dashed: bool = False) -> None:
        extras = ""
        if start_arrow:
            extras += f' marker-start="url(#{self.prefix}-arrow-start)"'
        if end_arrow:
            extras += f' marker-end="url(#{self.prefix}-arrow)"'
        if dashed:
            extras += ' stroke-dasharray="6 4"'
        self.parts.append(f'<path d="{d}" fill="none" stroke="{DARK_GREY}" stroke-width="2"'
                          f"{extras}/>")

    def document(self, height: float, title: str, description: str) -> str:
        height = math.ceil(height)
        p = self.prefix
        arrow = 'viewBox="0 0 10 10" refX="9" refY="5" markerWidth="7" markerHeight="7"'
        return (
            f'<svg xmlns="http://www.w3.org/2000/svg" class="app-governance-map" role="img" '
            f'aria-labelledby="{p}-title {p}-desc" viewBox="0 0 {WIDTH} {height}" '
            f'width="{WIDTH}" height="{height}" font-family="{FONT}">'
            f'<title id="{p}-title">{_text(title)}</title>'
            f'<desc id="{p}-desc">{_text(description)}</desc>'
            f"<defs>"
            f'<marker id="{p}-arrow" {arrow} orient="auto">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{DARK_GREY}"/></marker>'
            f'<marker id="{p}-arrow-start" {arrow} orient="auto-start-reverse">'
            f'<path d="M 0 0 L 10 5 L 0 10 z" fill="{DARK_GREY}"/></marker>'
            f"</defs>"
            + "".join(self.parts)
            + "</svg>"
        )


def _text(value: str) -> str:
    return escape(_NOT_XML.sub("", value))


def _wrap(text: str, width: float, max_lines: int) -> list[str]:
    """Break ``text`` into lines that fit a box ``width`` wide, at most ``max_lines`` of them
    (the last cut short with an ellipsis if needed)."""
    per_line = max(8, int((width - 2 * PAD) / CHAR_WIDTH))
    words = _NOT_XML.sub("", text).split()
    lines: list[str] = []
    current = ""
    for word in words:
        while len(word) > per_line:  # a word longer than a line: split it
            if current:
                lines.append(current)
                current = ""
            lines.append(word[:per_line - 1] + "-")
            word = word[per_line - 1:]
        candidate = f"{current} {word}".strip()
        if len(candidate) <= per_line:
            current = candidate
        else:
            lines.append(current)
            current = word
    if current:
        lines.append(current)
    if len(lines) > max_lines:
        last = lines[max_lines - 1]
        lines = lines[:max_lines - 1] + [last[:per_line - 1].rstrip() + "…"]
    return lines or [""]


@dataclass(frozen=True)
class _Row:
    node: GroupNode
    path: tuple[int, ...]  # indices from the board down to this node
    parent: str  # the name of the group it reports to ("" for the board)

    @property
    def depth(self) -> int:
        return len(self.path) - 1


def _flatten(groups: tuple[GroupNode, ...], path: tuple[int, ...] = (), parent: str = ""):
    """Every sub-group in display order (depth first), with where it sits in the tree."""
    for index, node in enumerate(groups):
        row = _Row(node, (*path, index), parent)
        yield row
        yield from _flatten(node.children, row.path, node.name)


def _split(links: tuple[BodyLink, ...]) -> tuple[list[BodyLink], list[BodyLink]]:
    half = math.ceil(len(links) / 2)
    return list(links[:half]), list(links[half:])


def _count(n: int, singular: str, plural: str | None = None) -> str:
    return f"{n} {singular if n == 1 else (plural or singular + 's')}"
