"""The demo gives every partnership a delivery plan, funding streams, a performance framework
and a risks log (``cdphub.demo.plans``). Browser tests that build these themselves start from
none for the partnership."""

from __future__ import annotations


def without_plan_demo(slug: str = "greater-manchester"):
    """Take away the partnership's plans (with their actions, updates and milestones), funding
    streams, performance framework and risks log; return the partnership."""
    from cdphub.partnerships.models import Partnership
    from cdphub.planning.models import FrameworkMetric, FundingStream, Plan, Risk

    partnership = Partnership.objects.get(slug=slug)
    Plan.objects.filter(partnership=partnership).delete()
    FundingStream.objects.filter(partnership=partnership).delete()
    FrameworkMetric.objects.filter(partnership=partnership).delete()
    Risk.objects.filter(partnership=partnership).delete()
    return partnership
