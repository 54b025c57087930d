"""Data loads (list, upload, progress and report, withdraw) and the metric catalogue."""

from __future__ import annotations

from django.contrib import messages
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.text import slugify
from django.views.decorators.http import require_POST

from cdphub.accounts.audit import record
from cdphub.accounts.models import AuditEvent
from cdphub.accounts.roles import is_central, partnership_ids, region_ids
from cdphub.core.access import access
from cdphub.core.downloads import COUNT, About, Column, Table, table_response
from cdphub.framework.outcomes import outcomes_framework
from cdphub.partnerships.models import Partnership

from .forms import LoadForm, LocalMetricForm, WithdrawForm
from .leases import stalled_notice
from .loading import GEOGRAPHY_LABELS, LoadError, format_note, restored_message
from .models import DataLoad, Metric
from .published import readable_metrics
from .store import can_be_withdrawn, create_load, superseded_sample, withdraw_load
from .tasks import run_queued_load
from .uploads import sweep_orphan_uploads

ACTIVE = (DataLoad.Status.QUEUED, DataLoad.Status.RUNNING)
STATUS_TAGS = {
    DataLoad.Status.QUEUED: "govuk-tag--grey",
    DataLoad.Status.RUNNING: "govuk-tag--blue",
    DataLoad.Status.COMPLETE: "govuk-tag--green",
    DataLoad.Status.FAILED: "govuk-tag--red",
    DataLoad.Status.STOPPED: "govuk-tag--red",
    DataLoad.Status.WITHDRAWN: "govuk-tag--orange",
}


def visible_loads(user):
    """The loads this user may see: every load for central users; otherwise national loads
    and those of their partnerships and of partnerships in their region."""
    loads = DataLoad.objects.select_related("partnership", "loaded_by")
    if is_central(user):
        return loads
    return loads.filter(Q(partnership__isnull=True)
                        | Q(partnership_id__in=partnership_ids(user))
                        | Q(partnership__region_id__in=region_ids(user)))


def _load(pk: int, **_kwargs) -> DataLoad:
    return get_object_or_404(
        DataLoad.objects.select_related("partnership", "loaded_by", "withdrawn_by"), pk=pk)


@access("outcomes.view_loads")
def load_list(request):
    page = Paginator(visible_loads(request.user), 50).get_page(request.GET.get("page"))
    for load in page:
        load.tag_class = STATUS_TAGS.get(load.status, "")
    return render(request, "outcomes/loads/list.html", {
        "page": page, "can_load": request.user.has_perm("outcomes.add_load")})


@access("outcomes.add_load")
def load_new(request):
    form = LoadForm(data=request.POST or None, files=request.FILES or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        metric = data["metric"]
        notes = data["notes"]
        if metric is not None:
            notes = "\n".join(filter(None, [notes, f"Metric for every row: {metric.key}"]))
        notes = "\n".join(filter(None, [notes, format_note(data["format"],
                                                           data["format_detected"])]))
        load = create_load(source=upload, file_name=upload.name, file_format=data["format"],
                           user=request.user, partnership=data["partnership"],
                           is_synthetic=data["is_synthetic"], notes=notes)
        run_queued_load.enqueue(load.pk, metric.key if metric else None)
        sweep_orphan_uploads.enqueue()  # what earlier interrupted uploads left behind
        return redirect(load)
    return render(request, "outcomes/loads/new.html", {"form": form})


def _superseding(load: DataLoad):
    """Loads whose figures replaced this load's, with how many."""
    return (DataLoad.objects.filter(superseded__load=load)
            .annotate(figures=Count("superseded")).select_related("loaded_by")
            .order_by("created_at"))


def _superseded_loads(load: DataLoad):
    """Loads whose figures this load replaced, with how many."""
    return (DataLoad.objects.filter(observations__superseded_by=load)
            .annotate(figures=Count("observations")).select_related("loaded_by")
            .order_by("created_at"))


@access("outcomes.view_load", load=_load)
def load_detail(request, load: DataLoad, pk: int):
    return _detail(request, load)


def _detail(request, load: DataLoad, withdraw_form: WithdrawForm | None = None):
    can_withdraw = (request.user.has_perm("outcomes.withdraw_load", load)
                    and can_be_withdrawn(load))
    superseded = superseded_sample(load)
    return render(request, "outcomes/loads/detail.html", {
        "load": load,
        "tag_class": STATUS_TAGS.get(load.status, ""),
        "active": load.status in ACTIVE,
        # Running, but its worker died: a worker will run it again or mark it stopped.
        "stalled": stalled_notice(load),
        "superseded_loads": _superseded_loads(load),
        "superseded_sample": superseded,
        "superseding_loads": _superseding(load),
        "can_withdraw": can_withdraw,
        "withdraw_form": withdraw_form or (WithdrawForm() if can_withdraw else None),
        "form": withdraw_form,  # shows the error summary when the reason is missing
    })


@access("outcomes.view_load", load=_load)
def load_report(request, load: DataLoad, pk: int):
    """The validation report as CSV: every kept error and warning."""
    rows = [{"kind": kind, "row": problem.get("row") or None,
             "column": problem.get("column", ""), "problem": problem.get("message", "")}
            for kind, problems in (("Error", load.errors), ("Warning", load.warnings))
            for problem in problems or []]
    record(AuditEvent.Kind.EXPORT, request=request, target=f"Validation report of load {load.pk}",
           partnership_id=load.partnership_id, format="csv", load=load.pk)
    about = About(title=f"Validation report of load {load.pk} ({load.file_name})",
                  source="cdphub data loads",
                  url=request.build_absolute_uri(reverse("outcomes:load", args=[load.pk])))
    return table_response(Table(LOAD_REPORT_COLUMNS, rows, about), "csv",
                          f"load-{load.pk}-report")


LOAD_REPORT_COLUMNS = [Column("kind", "Kind"), Column("row", "Row", COUNT),
                       Column("column", "Column"), Column("problem", "Problem")]


@access("outcomes.withdraw_load", load=_load)
@require_POST
def load_withdraw(request, load: DataLoad, pk: int):
    form = WithdrawForm(data=request.POST)
    if not form.is_valid():
        return _detail(request, load, withdraw_form=form)
    try:
        restored = withdraw_load(load, user=request.user, reason=form.cleaned_data["reason"])
    except LoadError as error:
        messages.error(request, str(error))
    else:
        messages.success(request, f"Load {load.pk} is withdrawn. Its figures are no longer "
                         f"used; {restored_message(restored)}.")
    return redirect("outcomes:load", load.pk)


# ----------------------------------------------------------------------------- metrics


@access("outcomes.view_metric")
def metric_list(request):
    metrics = list(readable_metrics(request.user))
    for metric in metrics:
        metric.geography_label = GEOGRAPHY_LABELS.get(metric.geography, metric.geography)
    groups = [(outcome, [m for m in metrics if m.outcome == outcome.key])
              for outcome in outcomes_framework().outcomes]
    return render(request, "outcomes/metrics/list.html", {"groups": groups})


@access("outcomes.view_metric")
def metric_detail(request, key: str):
    metric = get_object_or_404(readable_metrics(request.user), key=key)
    outcome = next((o for o in outcomes_framework().outcomes if o.key == metric.outcome), None)
    return render(request, "outcomes/metrics/detail.html", {
        "metric": metric, "outcome": outcome,
        "geography": GEOGRAPHY_LABELS.get(metric.geography, metric.geography).capitalize(),
        "breakdowns": [b.replace("_", " ") for b in metric.breakdowns or []]})


def _partnership(slug: str, **_kwargs):
    return get_object_or_404(Partnership, slug=slug)


@access("outcomes.define_local_metric", load=_partnership)
def local_metric_create(request, partnership, slug: str):
    """A partnership defines a local metric for its own performance framework (the guidance,
    chapter 4: local 'real-time' metrics alongside the national ones)."""
    form = LocalMetricForm(data=request.POST or None)
    if request.method == "POST" and form.is_valid():
        metric = form.save(commit=False)
        base = slugify(f"{partnership.slug}-{metric.name}")[:70]
        key, n = base, 2
        while Metric.objects.filter(key=key).exists():
            key, n = f"{base}-{n}", n + 1
        metric.key, metric.kind, metric.partnership = key, "local", partnership
        metric.confidence, metric.disclosure, metric.breakdowns = 95, "suppress-1-4", []
        metric.cite = "Local metric"
        metric.save()
        messages.success(request, f"{metric.name} is now one of {partnership.name}'s local "
                                  f"metrics. Load its figures with the metric key {metric.key}.")
        return redirect(metric)
    return render(request, "outcomes/metrics/local_new.html",
                  {"form": form, "partnership": partnership})
