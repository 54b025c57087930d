"""Permissions the API adds: reading one metric. Headline and supporting metrics are
published (anyone may read them); a local metric belongs to its partnership and is read by
those who may read that partnership (its members, the adviser for its region, central
users)."""

import rules

from cdphub.partnerships.roles import can_view_partnership


@rules.predicate
def is_published_metric(user, metric) -> bool:
    return metric is not None and metric.kind != "local" and metric.partnership_id is None


@rules.predicate
def can_view_metric_partnership(user, metric) -> bool:
    return (metric is not None and metric.partnership_id is not None
            and bool(can_view_partnership(user, metric.partnership)))


rules.add_perm("api.view_metric", is_published_metric | can_view_metric_partnership)
