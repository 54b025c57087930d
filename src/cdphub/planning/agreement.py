"""Which meeting may have agreed a document of the partnership's cycle (the needs assessment,
the delivery plan, the performance framework): one of the partnership's own meetings, not
withdrawn, already held. One rule, so the three agree on it and say the same."""

from __future__ import annotations

from cdphub.core import clock
from cdphub.partnerships.models import Meeting


def meeting_problem(meeting: Meeting | None, partnership_id: int, what: str) -> str | None:
    """Why ``meeting`` cannot have agreed ``what`` ("the plan"), or None when it can."""
    if meeting is None or meeting.partnership_id != partnership_id:
        return "Choose a meeting of this partnership."
    if meeting.is_withdrawn:
        return f"That meeting was withdrawn: choose the meeting that agreed {what}."
    if meeting.held_on > clock.today():
        return (f"That meeting is on {meeting.held_on:%-d %B %Y}, in the future: record the "
                "agreement once the meeting has been held.")
    return None
