"""The home page with what needs attention: for someone whose roles cover exactly one
partnership, the home page (``accounts.views.home``) opens with that partnership's summary.
It is mounted as 'core:home' by ``config/urls.py``: accounts must not import the register."""

from __future__ import annotations

from cdphub.accounts.views import home as accounts_home
from cdphub.core.access import PUBLIC, access
from cdphub.core.clock import today

from .attention import DUE_SOON_DAYS, needs_attention
from .models import Partnership
from .status import with_register


def one_partnership(context: dict) -> Partnership | None:
    """The partnership, when the user's roles cover exactly one (no region, not central)."""
    partnerships = context["my_partnerships"]
    if len(partnerships) != 1 or context["my_regions"] or context["is_central"]:
        return None
    return partnerships[0]


def _attention(request, context: dict) -> dict:
    partnership = one_partnership(context)
    if partnership is None or not request.user.has_perm("partnerships.view_partnership",
                                                        partnership):
        return {}
    partnership = with_register(Partnership.objects.all()).get(pk=partnership.pk)
    return {"attention_partnership": partnership, "due_soon_days": DUE_SOON_DAYS,
            "attention": needs_attention(partnership, today())}


@access(PUBLIC)
def home(request):
    return accounts_home(request, more=_attention)
