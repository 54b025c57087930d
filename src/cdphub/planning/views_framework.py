"""The local performance framework's pages, under ``<slug>/plan/framework/``.

* the framework: every metric with its owner, frequency, baseline, target or trajectory,
  latest figure and progress (on track, off track, no data) with the reason in words and a
  chart; downloaded as CSV or XLSX;
* one metric's page: the same, with its chart and History of baseline and targets;
* adding, changing and withdrawing a metric, setting its baseline and its targets (the
  partnership's members);
* recording that the partnership agreed the framework at a meeting (its SRO and leads), which
  records the performance-framework milestone.

Every view loads the partnership by the URL's slug and a framework metric only among that
partnership's own, so another partnership's is not found (404). The writes are
``actions_framework``; a ``PlanError`` is shown on the page and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse

from cdphub.accounts import audit
from cdphub.accounts.models import AuditEvent
from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import (
    COUNT,
    DATE,
    DATETIME,
    FLAG,
    NUMBER,
    SUPPRESSION_NOTE,
    About,
    Column,
    Table,
    table_response,
)
from cdphub.framework import guidance
from cdphub.outcomes.downloads import published_decimals
from cdphub.outcomes.summary import with_unit
from cdphub.partnerships.models import Partnership
from cdphub.partnerships.sections import sections_for

from . import actions_framework as actions
from . import lookups, lookups_framework, performance
from .actions_plan import PlanError
from .forms_framework import AgreeFrameworkForm, BaselineForm, FrameworkMetricForm, TargetsForm

VIEW = "planning.view_plan"
CHANGE = "planning.change_plan"
LEAD = "planning.agree_plan"


def _context(partnership: Partnership, **extra) -> dict:
    return {"partnership": partnership, "section": "plan", "plan_tab": "framework",
            "partnership_sections": sections_for(partnership.slug), "today": today(), **extra}


def _apply_error(form, error: PlanError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


def _back(partnership: Partnership, item=None):
    if item is not None:
        return redirect("partnerships:plan-framework-metric", partnership.slug, item.pk)
    return redirect("partnerships:plan-framework", partnership.slug)


def _milestone():
    return next(m for m in guidance().milestones if m.key == actions.MILESTONE)


# --------------------------------------------------------------------------- reading


@access(VIEW, load=lookups.partnership)
def framework(request, partnership: Partnership, slug: str):
    found = performance.entries(partnership)
    for entry in found:
        entry.chart = performance.chart(entry)
    agreed = (partnership.milestone_completions.filter(milestone_key=actions.MILESTONE)
              .order_by("-completed_on", "-pk").first())
    counts = {label: sum(1 for e in found if e.status_label == label)
              for label in performance.STATUS_LABELS.values()}
    return render(request, "planning/framework.html", _context(
        partnership, entries=found, counts=counts, agreed=agreed, milestone=_milestone(),
        can_change=request.user.has_perm(CHANGE, partnership),
        can_agree=request.user.has_perm(LEAD, partnership)))


@access(VIEW, load=lookups.partnership)
def metric_page(request, partnership: Partnership, slug: str, pk: int):
    item = lookups_framework.framework_metric(partnership, pk)
    figures = performance.series(partnership, [item.metric]).get(item.metric_id, [])
    entry = performance.entry(item, figures)
    entry.chart = performance.chart(entry)
    return render(request, "planning/framework_metric.html", _context(
        partnership, entry=entry, item=item,
        can_change=(request.user.has_perm(CHANGE, partnership) and item.withdrawn_at is None)))


def _download_rows(request, partnership: Partnership) -> list[dict]:
    rows = []
    for entry in performance.entries(partnership):
        item, metric, result, judged = entry.item, entry.metric, entry.result, entry.judged
        latest = entry.latest
        base = {
            "partnership": partnership.name, "partnership_code": partnership.slug,
            "metric": metric.name, "metric_code": metric.key, "unit": metric.unit,
            "kind": "Local" if metric.kind == "local" else "National",
            "owner": item.owner.full_name if item.owner else "",
            "frequency": item.get_frequency_display(),
            "baseline_period": item.baseline_period, "baseline_end": item.baseline_period_end,
            "baseline_value": item.baseline_value, "baseline_set_at": item.baseline_set_at,
            "latest_period": latest.period_label if latest else "",
            "latest_start": latest.period_start if latest else None,
            "latest_end": latest.period_end if latest else None,
            "actual": latest.value if latest else None,
            "judged_period": judged.period_label if judged else "",
            "expected": result.expected, "status": entry.status_label, "reason": entry.reason,
            "synthetic": bool(latest and latest.is_synthetic),
            "decimals": published_decimals(metric.method),
            "link": request.build_absolute_uri(entry.url),
        }
        for target in entry.targets or [None]:
            rows.append({**base, "target_by": target.period_end if target else None,
                         "target_value": target.value if target else None,
                         "points": len(entry.targets)})
    return rows


DOWNLOAD_COLUMNS = [
    Column("partnership", "Partnership"), Column("partnership_code", "Partnership code"),
    Column("metric", "Metric"), Column("metric_code", "Metric code"),
    Column("kind", "National or local metric"), Column("unit", "Unit"),
    Column("owner", "Owner"), Column("frequency", "Reporting frequency"),
    Column("baseline_period", "Baseline period"),
    Column("baseline_end", "Baseline period end", DATE),
    Column("baseline_value", "Baseline value", NUMBER, decimals_key="decimals"),
    Column("baseline_set_at", "Baseline set at", DATETIME),
    Column("points", "Points on the trajectory", COUNT),
    Column("target_by", "Target date", DATE),
    Column("target_value", "Target value", NUMBER, decimals_key="decimals"),
    Column("latest_period", "Latest period"), Column("latest_start", "Latest period start", DATE),
    Column("latest_end", "Latest period end", DATE),
    Column("actual", "Latest value", NUMBER, decimals_key="decimals"),
    Column("judged_period", "Period judged"),
    Column("expected", "Expected on the trajectory", NUMBER, decimals_key="decimals"),
    Column("status", "Progress"), Column("reason", "Why"),
    Column("synthetic", "Synthetic data", FLAG),
    Column("link", "Link to the metric's page"),
]


@access(VIEW, load=lookups.partnership)
def framework_download(request, partnership: Partnership, slug: str, fmt: str):
    if fmt not in ("csv", "xlsx"):
        raise Http404("Downloads are CSV or XLSX.")
    rows = _download_rows(request, partnership)
    audit.record(AuditEvent.Kind.EXPORT, request=request, partnership_id=partnership.pk,
                 target=f"performance framework of {partnership.slug} ({fmt.upper()})")
    page = request.build_absolute_uri(reverse("partnerships:plan-framework", args=[slug]))
    about = About(
        title=f"Local performance framework: {partnership.name}",
        source="cdphub performance framework; figures from cdphub outcomes (loaded data)",
        url=page, filters=[("Partnership", partnership.name)],
        synthetic=("Some figures are synthetic demo data."
                   if any(r["synthetic"] for r in rows) else ""),
        suppression=SUPPRESSION_NOTE,
        notes=["One row per metric and target point (a metric with no target has one row).",
               "The baseline is frozen when it is set: later loads of data do not change it.",
               "Progress: the latest value after the baseline against the value expected on "
               "the trajectory on its period's last day (straight lines from the baseline "
               "through each target point; after the last point, its value). See "
               "docs/methods.md, \u201cProgress against local targets\u201d."])
    return table_response(Table(DOWNLOAD_COLUMNS, rows, about, sheet="Performance framework"),
                          fmt, f"{partnership.slug}-performance-framework")


# --------------------------------------------------------------------------- changing


@access(CHANGE, load=lookups.partnership)
def add(request, partnership: Partnership, slug: str):
    form = FrameworkMetricForm(data=request.POST or None, partnership=partnership)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            item = actions.add_metric(partnership=partnership, metric=data["metric"],
                                      owner=data["owner"], frequency=data["frequency"],
                                      notes=data["notes"], by=request.user)
        except PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{item.metric.name}\u201d is in the framework: "
                                      "now choose its baseline.")
            return redirect("partnerships:plan-framework-baseline", slug, item.pk)
    return render(request, "planning/framework_form.html", _context(partnership, form=form))


@access(CHANGE, load=lookups.partnership)
def edit(request, partnership: Partnership, slug: str, pk: int):
    item = lookups_framework.framework_metric(partnership, pk)
    form = FrameworkMetricForm(data=request.POST or None, partnership=partnership, item=item)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            actions.change_metric(item=item, owner=data["owner"], frequency=data["frequency"],
                                  notes=data["notes"], by=request.user)
        except PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"\u201c{item.metric.name}\u201d is updated.")
            return _back(partnership, item)
    return render(request, "planning/framework_form.html", _context(
        partnership, form=form, item=item))


@access(CHANGE, load=lookups.partnership)
def withdraw(request, partnership: Partnership, slug: str, pk: int):
    item = lookups_framework.framework_metric(partnership, pk)
    error = ""
    if request.method == "POST":
        try:
            actions.withdraw_metric(item=item, by=request.user)
        except PlanError as problem:
            error = problem.message
        else:
            messages.success(request, f"\u201c{item.metric.name}\u201d is withdrawn from the "
                                      "framework.")
            return _back(partnership)
    return render(request, "planning/framework_withdraw.html", _context(
        partnership, item=item, error=error))


@access(CHANGE, load=lookups.partnership)
def baseline(request, partnership: Partnership, slug: str, pk: int):
    item = lookups_framework.framework_metric(partnership, pk)
    figures = performance.baseline_choices(partnership, item.metric)
    form = BaselineForm(data=request.POST or None, item=item, figures=figures)
    if request.method == "POST" and form.is_valid():
        start, end = form.cleaned_data["period"]
        try:
            actions.set_baseline(item=item, period_start=start, period_end=end, by=request.user,
                                 replace=form.cleaned_data.get("replace", False))
        except PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, f"The baseline is {item.baseline_period}: "
                                      "now set the target.")
            return redirect("partnerships:plan-framework-targets", slug, item.pk)
    hidden = [(f, performance.why_not_a_baseline(f)) for f in figures
              if performance.why_not_a_baseline(f)]
    return render(request, "planning/framework_baseline.html", _context(
        partnership, form=form, item=item, figures=figures, hidden=hidden))


@access(CHANGE, load=lookups.partnership)
def targets(request, partnership: Partnership, slug: str, pk: int):
    item = lookups_framework.framework_metric(partnership, pk)
    worked = ""
    form = TargetsForm(data=request.POST or None, item=item)
    if request.method == "POST" and form.is_valid():
        if form.cleaned_data["step"] == "work-out" and item.baseline_value is None:
            form.add_error(None, "Set the baseline first: the value is worked out from it.")
        elif form.cleaned_data["step"] == "work-out":
            form, worked = _work_out(request, form, item)
        else:
            try:
                actions.set_targets(item=item, rows=form.target_rows(), by=request.user)
            except PlanError as error:
                _apply_error(form, error)
            else:
                messages.success(request, f"The targets for \u201c{item.metric.name}\u201d "
                                          "are saved.")
                return _back(partnership, item)
    return render(request, "planning/framework_targets.html", _context(
        partnership, form=form, item=item, worked=worked,
        entry=performance.entry(item, performance.series(partnership, [item.metric]).get(
            item.metric_id, []))))


def _work_out(request, form: TargetsForm, item) -> tuple[TargetsForm, str]:
    """The helper: "a change of N% from the baseline by DATE". The value is worked out and
    put in the first empty row (not saved: the user checks it and saves), with a sentence
    saying how; or the form comes back with the helper's error."""
    text = (form.cleaned_data.get("percent") or "").strip().removesuffix("%")
    when = form.cleaned_data.get("percent_by")
    try:
        percent = float(text.replace(",", ""))
    except ValueError:
        form.add_error("percent", "Enter the change from the baseline as a number, like 20 "
                                  "or -15.")
        return form, ""
    if when is None:
        form.add_error("percent_by", "Enter the date the change is aimed for by.")
        return form, ""
    data = request.POST.copy()
    row = next((n for n in form.rows if not data.get(f"value_{n}", "").strip()
                and not any(data.get(f"by_{n}_{i}", "").strip() for i in range(3))), None)
    if row is None:
        form.add_error("percent", "Every row is filled: save the targets, then work out "
                                  "another value.")
        return form, ""
    metric = item.metric
    decimals = published_decimals(metric.method)
    value = round(actions.change_from_baseline(item, percent), decimals)
    data[f"by_{row}_0"], data[f"by_{row}_1"], data[f"by_{row}_2"] = (
        str(when.day), str(when.month), str(when.year))
    data[f"value_{row}"] = f"{value:.{decimals}f}"
    words = "more" if percent >= 0 else "fewer" if metric.method == "count" else "lower"
    worked = (f"{abs(percent):g}% {words} than the baseline "
              f"({with_unit(item.baseline_value, metric.method, metric.unit)} in "
              f"{item.baseline_period}) by {when:%-d %B %Y} is "
              f"{with_unit(value, metric.method, metric.unit)}. It is in row {row}: check "
              "it, then save the targets.")
    form = TargetsForm(data=data, item=item)
    form.is_valid()
    return form, worked


@access(LEAD, load=lookups.partnership)
def agree(request, partnership: Partnership, slug: str):
    on = today()
    form = AgreeFrameworkForm(data=request.POST or None, partnership=partnership, on=on)
    if request.method == "POST" and form.is_valid():
        try:
            actions.agree_framework(partnership=partnership,
                                    meeting=form.cleaned_data["meeting"], by=request.user)
        except PlanError as error:
            _apply_error(form, error)
        else:
            messages.success(request, "The partnership's agreement of its performance "
                                      "framework is recorded, and the milestone is done.")
            return _back(partnership)
    with_targets = [e for e in performance.live(partnership) if e.targets.all()]
    return render(request, "planning/framework_agree.html", _context(
        partnership, form=form, with_targets=with_targets, milestone=_milestone()))
