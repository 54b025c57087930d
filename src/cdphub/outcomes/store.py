"""The outcomes store: every write of figures goes through here.

* ``store_load``: a checked load's observations, all or nothing, superseding (never
  overwriting) the current figures they replace; ``fail_load`` records a load that stored
  nothing; ``withdraw_load`` takes a load's figures out of use and brings back those it had
  superseded.
* ``replace_values``: a metric's computed values, replaced in one transaction.
* After a load is stored or withdrawn, the store asks for the recomputation itself
  (``recompute.schedule``), once the transaction commits.

Reads of raw observations that only the store needs (the keys of current figures, which
loads a page's figures came from, a load's superseded figures for its own page) live here
too. Pages read computed figures through ``published.py``, never here.
"""

from __future__ import annotations

import datetime as dt
import itertools
import logging
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import BinaryIO

import polars as pl
from django.core.files import File
from django.db import IntegrityError, OperationalError, connection, transaction
from django.db.models import Exists, F, OuterRef, Q, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from cdphub.core.db import is_transient, retry_on_lock
from cdphub.geography.models import Area, AreaType
from cdphub.partnerships.models import Coverage, Partnership

from .engine import Place, Places
from .leases import Heartbeat, LoadAbandoned, give_up_locked, renew, seen_at, start_running, still_ours
from .loading import (
    NUMBER_COLUMNS,
    PARTNERSHIP_TYPE,
    LoadError,
    MetricInfo,
    Options,
    Progress,
    Reference,
    _codes,
    areas_frame,
    check_file,
    partnership_code,
    partnership_place,
    sha256_of,
    shown,
)
from .models import ComputedValue, DataLoad, Metric, Observation
from .signals import data_changed

logger = logging.getLogger(__name__)


def load_places() -> Places:
    """The areas, their successors, the footprints and the partnerships' regions (four queries)."""
    types = [AreaType.COUNTRY, AreaType.REGION, AreaType.UTLA, AreaType.PFA]
    rows = Area.objects.filter(area_type__in=types).values_list(
        "id", "code", "name", "area_type", "parent_id", "parent__area_type",
        "police_force_area_id", "valid_from", "valid_to")
    places = [
        Place(pk, code, name, kind, parent if parent_type == AreaType.REGION else None, pfa,
              start, end)
        for pk, code, name, kind, parent, parent_type, pfa, start, end in rows
    ]
    links = Area.successors.through.objects.values_list("from_area_id", "to_area_id")
    coverages = Coverage.objects.values_list("partnership_id", "area_id", "valid_from",
                                             "valid_to")
    return Places(places, list(links), list(coverages),
                  list(Partnership.objects.values_list("id", "region_id")))


def reference_from_database() -> Reference:
    """What a file's rows are checked against: the metric catalogue, every area, and the
    footprints (read when a partnership's file is checked)."""
    metrics = {
        m.key: MetricInfo(m.pk, m.key, m.name, m.method, m.geography, m.period_type,
                          m.partnership_id)
        for m in Metric.objects.only("key", "name", "method", "geography", "period_type",
                                     "partnership_id")
    }
    rows = list(Area.objects.values_list("code", "id", "area_type", "name", "valid_from",
                                         "valid_to"))
    # A partnership's own code stands for its figure as a whole (its local metrics only).
    rows += [(partnership_code(slug), partnership_place(pk), PARTNERSHIP_TYPE, name, None, None)
             for pk, slug, name in Partnership.objects.values_list("id", "slug", "name")]
    return Reference(metrics, areas_frame(rows), places_loader=load_places)


def place_id() -> Coalesce:
    """An observation's place as the checks and the engine number it: its area's id, or
    ``loading.partnership_place`` of its partnership (a figure for the partnership as a
    whole)."""
    return Coalesce(F("area_id"), Value(0) - F("partnership_id"))


# ------------------------------------------------------------------------ a load, end to end


def create_load(*, source: Path | BinaryIO, file_name: str, file_format: str, user=None,
                partnership=None, is_synthetic: bool = False, notes: str = ""):
    """Record a new load: store the file, with its SHA-256 checksum and size."""
    handle = source.open("rb") if isinstance(source, Path) else source
    try:
        handle.seek(0)
        checksum, size = sha256_of(handle)
        handle.seek(0)
        load = DataLoad(file_name=Path(file_name).name[:255], checksum=checksum,
                        size_bytes=size, format=file_format, partnership=partnership,
                        loaded_by=user, is_synthetic=is_synthetic, notes=notes,
                        status=DataLoad.Status.QUEUED, progress_total=100,
                        progress_message="Waiting for the background worker to start")
        load.file.save(Path(file_name).name, File(handle), save=False)
        try:
            load.save()
        except BaseException:
            load.file.delete(save=False)  # no load refers to it: do not leave it behind
            raise
    finally:
        if isinstance(source, Path):
            handle.close()
    return load


def _source_of(load) -> Path | bytes:
    try:
        return Path(load.file.path)
    except NotImplementedError:  # storage without local paths
        with load.file.open("rb") as handle:
            return handle.read()


def run_load(load, *, metric_key: str | None = None, progress: Callable | None = None,
             reference: Reference | None = None):
    """Check ``load``'s file and, if it has no errors, store its figures. Returns the load
    (status complete or failed). ``progress(done, total, message)`` hears every step.
    While it runs, this process holds the load's lease (``leases``): renewed with every
    progress step and by a heartbeat thread, so that a load whose process died is noticed."""
    start_running(load)
    with Heartbeat(load):
        return _run_load(load, metric_key=metric_key, progress=progress, reference=reference)


def _run_load(load, *, metric_key: str | None, progress: Callable | None,
              reference: Reference | None):
    def save(done, total, message):
        try:
            renew(load, progress_done=done, progress_total=total, progress_message=message[:200])
        except OperationalError as error:  # progress is shown once the database is free
            if connection.in_atomic_block or not is_transient(error):
                raise
            logger.info("Load %s: progress not saved this time (%s)", load.pk, error)

    tracker = Progress(callback=progress, save=save)
    options = Options(format=load.format, metric_key=metric_key,
                      partnership_id=load.partnership_id,
                      partnership_name=load.partnership.name if load.partnership_id else "")
    try:
        checked = check_file(_source_of(load), load.file_name,
                             reference or reference_from_database(), options, tracker)
    except Exception as exc:
        fail_load(load, [{"row": None, "column": "",
                      "message": f"The load stopped unexpectedly ({exc.__class__.__name__}: "
                      f"{shown(exc)}). Nothing was stored. Try again, or report the problem."}],
              1)
        raise
    load.rows_read = checked.rows_read
    load.warnings = checked.report.warnings
    if checked.notes:
        load.notes = "\n".join(filter(None, [load.notes, *checked.notes]))
    if not checked.report.ok or checked.frame is None:
        return fail_load(load, checked.report.errors, checked.report.error_count)
    try:
        retry_on_lock(lambda: store_load(load, checked, tracker), what=f"Storing load {load.pk}")
    except IntegrityError:
        return fail_load(load, [{"row": None, "column": "", "message":
                             "Another load changed the same figures at the same moment, so "
                             "nothing was stored. Load the file again."}], 1)
    except LoadAbandoned:
        logger.warning("Load %s was given up for dead while this process stored it: nothing "
                       "was stored by this attempt.", load.pk)
        load.refresh_from_db()
        return load
    except Exception as exc:
        fail_load(load, [{"row": None, "column": "",
                      "message": f"The load stopped unexpectedly ({exc.__class__.__name__}: "
                      f"{shown(exc)}). Nothing was stored. Try again, or report the problem."}],
              1)
        raise
    return load


def fail_load(load, errors: list[dict], count: int):
    """Record that the file was not loaded, if the load is still this process's to record
    (``leases.still_ours``: not given up for dead and run again meanwhile)."""


    with transaction.atomic():
        if not still_ours(load):
            logger.warning("Load %s is no longer this process's: its failure is not recorded.",
                           load.pk)
            load.refresh_from_db()
            return load
        load.status = DataLoad.Status.FAILED
        load.errors = errors
        load.error_count = count
        load.finished_at = timezone.now()
        load.progress_message = (f"Not loaded: {count:,} problem{'s' if count != 1 else ''} "
                                 "found")
        load.observations_stored = 0
        load.observations_superseded = 0
        load.save()
    return load


BATCH = 5000


def store_load(load, checked, tracker) -> None:
    """Store a checked load's figures, all or nothing (one transaction): the current
    figures it replaces are superseded, never overwritten; when it commits, the metrics'
    values are recomputed."""


    frame = checked.frame
    metric_ids = checked.metric_ids
    total = frame.height
    tracker(50, f"Storing {total:,} figures", "store")
    # Progress written inside the transaction would not be seen until it commits, so from
    # here only the command line hears it.
    tracker.saving = False
    with transaction.atomic():
        superseded = _supersede(load, frame, metric_ids)
        keys = ["metric_id", "area_id", "period_start", "period_end", "period_label",
                "breakdown", "age_band", *NUMBER_COLUMNS]
        stored = 0
        for chunk in frame.select(keys).iter_slices(BATCH):
            _insert_observations(chunk, load.pk)
            stored += chunk.height
            tracker(50 + 50 * stored / max(total, 1), f"Stored {stored:,} of {total:,} figures",
                    "store")
        if not still_ours(load):  # given up for dead meanwhile: store nothing
            raise LoadAbandoned(load.pk)
        load.status = DataLoad.Status.COMPLETE
        load.observations_stored = stored
        load.observations_superseded = superseded
        load.errors = []
        load.error_count = 0
        load.finished_at = timezone.now()
        load.progress_done = 100
        load.progress_total = 100
        load.progress_message = f"Loaded {stored:,} figures"
        load.save()
        transaction.on_commit(lambda: data_changed.send(sender=DataLoad, load=load,
                                                        metric_ids=metric_ids))


def _insert_observations(chunk: pl.DataFrame, load_id: int) -> None:
    """Insert a batch of figures (columns as ``_store`` selects them) with one
    ``executemany``. The same rows ``Observation.objects.bulk_create`` would write (it sends
    no signals either), without its per-object work, which is most of its time: about 15,000
    figures a second against 60,000 and more this way on SQLite."""


    meta = Observation._meta
    names = ["load", "metric", "area", "partnership", "period_start", "period_end",
             "period_label", "breakdown", "age_band", *NUMBER_COLUMNS, "is_current",
             "superseded_by"]
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in names)
    # Names come from the model, quoted; every value is a parameter.
    sql = (f"INSERT INTO {quote(meta.db_table)} ({columns}) "  # noqa: S608
           f"VALUES ({', '.join(['%s'] * len(names))})")
    date = connection.ops.adapt_datefield_value
    # A negative place is a figure for a partnership as a whole (``partnership_place``).
    rows = [(load_id, r[0], r[1] if r[1] >= 0 else None, -r[1] if r[1] < 0 else None,
             date(r[2]), date(r[3]), *r[4:], True, None)
            for r in chunk.iter_rows()]
    with connection.cursor() as cursor:
        cursor.executemany(sql, rows)


KEY_SCHEMA = {"id": pl.Int64, "load_id": pl.Int64, "metric_id": pl.Int64, "area_id": pl.Int64,
              "period_start": pl.Date, "period_end": pl.Date, "breakdown": pl.String,
              "age_band": pl.String}


def _current_chunks(metric_ids: list[int], start: dt.date, end: dt.date,
                    exclude_load: int | None = None, size: int = 20_000
                    ) -> Iterator[pl.DataFrame]:
    """The keys of the current figures of these metrics starting in this span, ``size`` at a
    time (so a million of them are never a million Python tuples at once)."""


    rows = Observation.objects.filter(
        metric_id__in=metric_ids, is_current=True, period_start__gte=start,
        period_start__lte=end)
    if exclude_load is not None:
        rows = rows.exclude(load_id=exclude_load)
    values = rows.annotate(place=place_id()).values_list(
        *(("place" if name == "area_id" else name) for name in KEY_SCHEMA)
    ).iterator(chunk_size=size)
    while chunk := list(itertools.islice(values, size)):
        yield pl.DataFrame(chunk, orient="row", schema=KEY_SCHEMA)


def _current_keys(metric_ids: list[int], start: dt.date, end: dt.date,
                  exclude_load: int | None = None) -> pl.DataFrame:
    return pl.concat([pl.DataFrame(schema=KEY_SCHEMA),
                      *_current_chunks(metric_ids, start, end, exclude_load)])


FIGURE_KEY = ["metric_id", "area_id", "period_start", "period_end", "breakdown", "age_band"]


def _update_in_batches(ids: list[int] | pl.Series, **fields) -> None:

    for start in range(0, len(ids), 900):
        Observation.objects.filter(id__in=list(ids[start:start + 900])).update(**fields)


def _supersede(load, frame: pl.DataFrame, metric_ids: list[int]) -> int:
    """Take the current figures this load replaces out of use, marked as superseded by it."""
    if frame.is_empty():
        return 0
    start, end = frame.get_column("period_start").min(), frame.get_column("period_start").max()
    # The figures' keys are hashed once; each chunk of current figures is matched on the
    # hash first, then exactly against the few figures whose hash it has.
    keys = frame.select(FIGURE_KEY)
    hashed = keys.with_columns(pl.struct(_codes(keys, FIGURE_KEY)).hash().alias("hash"))
    replaced = []  # the ids, found a chunk at a time, then updated
    for chunk in _current_chunks(metric_ids, start, end):
        chunk = chunk.with_columns(*(pl.col(c).cast(keys.schema[c]) for c in FIGURE_KEY))
        hashes = chunk.select(pl.struct(_codes(chunk, FIGURE_KEY)).hash()).to_series()
        near = hashed.filter(pl.col("hash").is_in(hashes.implode())).select(FIGURE_KEY)
        replaced.append(chunk.join(near, on=FIGURE_KEY, how="semi").get_column("id"))
    ids = pl.concat([pl.Series("id", [], pl.Int64), *replaced])
    _update_in_batches(ids, is_current=False, superseded_by_id=load.pk)
    return len(ids)


def can_be_withdrawn(load) -> bool:
    """A complete load, or one whose loading stopped (its process died: ``leases``)."""

    return load.status in (DataLoad.Status.COMPLETE, DataLoad.Status.STOPPED) or load.lease_expired


def withdraw_load(load, *, user=None, reason: str = "") -> int:
    """Withdraw a complete load: its figures leave use, and the figures it had superseded
    come back (unless their own load was withdrawn, or a later load has since replaced them,
    in which case they now count as superseded by that later load). Returns how many came
    back. A load whose loading stopped (or whose lease has run out: it is marked stopped
    first, and not run again) stored nothing, and is simply recorded as withdrawn."""


    with transaction.atomic():
        load = DataLoad.objects.select_for_update().get(pk=load.pk)
        give_up_locked(load, requeue=False)
        if load.status == DataLoad.Status.RUNNING:
            raise LoadError(f"Load {load.pk} is still loading (last heard from at "
                            f"{seen_at(load)}): wait for it to finish, then withdraw it.")
        if not can_be_withdrawn(load):
            raise LoadError(f"Load {load.pk} is {load.get_status_display().lower()}: only a "
                            "complete load can be withdrawn, or one whose loading stopped.")
        metric_ids = sorted(set(load.observations.values_list("metric_id", flat=True)
                                .distinct()))
        load.observations.filter(is_current=True).update(is_current=False)
        previous = (Observation.objects.filter(superseded_by=load)
                    .exclude(load__status=DataLoad.Status.WITHDRAWN))
        old = pl.DataFrame(
            list(previous.annotate(place=place_id()).values_list(
                "id", "metric_id", "place", "period_start", "period_end", "breakdown",
                "age_band")),
            orient="row", schema={"id": pl.Int64, "metric_id": pl.Int64, "area_id": pl.Int64,
                                  "period_start": pl.Date, "period_end": pl.Date,
                                  "breakdown": pl.String, "age_band": pl.String})
        restored = 0
        if not old.is_empty():
            current = _current_keys(old.get_column("metric_id").unique().to_list(),
                                    old.get_column("period_start").min(),
                                    old.get_column("period_start").max())
            later = old.join(current.select(*FIGURE_KEY, pl.col("load_id").alias("later")),
                             on=FIGURE_KEY, how="left")
            back = later.filter(pl.col("later").is_null()).get_column("id").to_list()
            _update_in_batches(back, is_current=True, superseded_by_id=None)
            restored = len(back)
            for later_id, ids in (later.filter(pl.col("later").is_not_null())
                                  .group_by("later").agg(pl.col("id")).iter_rows()):
                _update_in_batches(ids, superseded_by_id=later_id)
        load.status = DataLoad.Status.WITHDRAWN
        load.withdrawn_at = timezone.now()
        load.withdrawn_by = user
        load.withdrawal_reason = reason
        load.progress_message = "Withdrawn"
        load.save()
        transaction.on_commit(lambda: data_changed.send(sender=DataLoad, load=load,
                                                        metric_ids=metric_ids))
    return restored


#: ComputedValue fields in the order ``MetricComputation.rows`` gives them.
FIELDS = ("metric", "area", "partnership", "period_start", "period_end", "period_label",
          "breakdown", "numerator", "denominator", "value", "lower_95", "upper_95",
          "lower_99_8", "upper_99_8", "suppressed", "geography_note", "geography_source",
          "comparison", "comparison_region", "trend", "is_synthetic", "computed_at")


def replace_values(metric: Metric, rows: list[tuple]) -> None:
    """Replace the metric's computed values in one transaction: one DELETE and one INSERT
    run for every row (``executemany``), so the number of queries does not grow with the
    number of rows (``bulk_create`` would split them into batches of about 45 on SQLite, and
    spends most of its time preparing each value). Run again, with backoff, when another
    writer holds the database (``retry_on_lock``): a worker storing a large load, say."""
    retry_on_lock(lambda: _replace_values_once(metric, rows),
                  what=f"Recomputing the values of {metric.key}")


def _replace_values_once(metric: Metric, rows: list[tuple]) -> None:
    with transaction.atomic():
        ComputedValue.objects.filter(metric=metric).delete()
        # Pages cache what they show by this number (``dashboard.cache_key``).
        Metric.objects.filter(pk=metric.pk).update(values_version=F("values_version") + 1)
        if not rows:
            return
        connection = transaction.get_connection()
        meta = ComputedValue._meta
        quote = connection.ops.quote_name
        columns = ", ".join(quote(meta.get_field(name).column) for name in FIELDS)
        marks = ", ".join(["%s"] * len(FIELDS))
        with connection.cursor() as cursor:
            cursor.executemany(
                f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({marks})", rows)  # noqa: S608


# ------------------------------------------------------------------------ what the store holds


def loads_behind(metric: Metric, partnership):
    """The loads the metric's current figures came from: national loads and this
    partnership's, each checked with an EXISTS that stops at its first current figure."""
    used = Observation.objects.filter(load=OuterRef("pk"), metric=metric, is_current=True)
    return (DataLoad.objects.filter(Q(partnership__isnull=True) | Q(partnership=partnership))
            .filter(Exists(used)).select_related("loaded_by", "partnership")
            .order_by("-created_at"))


def superseded_sample(load: DataLoad, limit: int = 50):
    """The first ``limit`` figures this load replaced, for its own page (shown only to those
    who may see the load: the figures as they were loaded, before any computation)."""
    return (Observation.objects.filter(superseded_by=load)
            .select_related("metric", "area", "partnership", "load")
            .order_by("metric__order", "area__name", "period_start")[:limit])
