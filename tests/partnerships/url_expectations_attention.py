"""Who may use the board summary: the same people as the partnership's overview."""

from tests.url_expectations import READ_PARTNERSHIP_A, partnership_a

EXPECTED = {
    "partnerships:board-summary": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
}
