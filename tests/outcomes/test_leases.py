"""Leases on running loads (``cdphub.outcomes.leases``): a load whose process died is queued
again, or marked stopped with the reason, and can be withdrawn; a live one is left alone;
a process whose load was given up for dead stores nothing. The real thing, a worker killed
with SIGKILL mid-load, is in ``test_worker_crash.py``."""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
from django.urls import reverse
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from cdphub.outcomes import leases
from cdphub.outcomes.loading import LoadError
from cdphub.outcomes.models import DataLoad, Observation
from cdphub.outcomes.store import create_load, run_load, withdraw_load
from cdphub.outcomes.tasks import run_queued_load
from tests.conftest import sign_in
from tests.outcomes.loading_helpers import catalogue, csv_bytes

FY19 = "2019-04-01,2020-03-31"
LINES = (f"numbers_in_treatment,E06000001,{FY19},,120,",
         f"numbers_in_treatment,E06000002,{FY19},,95,")
DB_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def metrics(db):
    return catalogue()


@pytest.fixture
def db_tasks(settings):
    """Tasks wait in the database, as with ``cdphub db_worker``, instead of running at once."""
    settings.TASKS = DB_TASKS
    settings.CDPHUB_LOAD_ATTEMPTS = 2
    return settings


def queued_load() -> DataLoad:
    return create_load(source=io.BytesIO(csv_bytes(*LINES)), file_name="figures.csv",
                       file_format="long")


def take(row: DBTaskResult) -> DataLoad:
    """What a worker does when it starts the task: claim the row, then the load."""
    row.claim("worker-1")
    load_id = row.args_kwargs["args"][0]
    return leases.claim(load_id, task_id=str(row.pk))


def kill(load: DataLoad) -> None:
    """The worker died long enough ago for the lease to run out."""
    long_ago = timezone.now() - dt.timedelta(minutes=10)
    DataLoad.objects.filter(pk=load.pk).update(heartbeat_at=long_ago)


def ready_rows() -> list[DBTaskResult]:
    return list(DBTaskResult.objects.filter(status="READY").order_by("enqueued_at"))


def test_a_dead_background_load_is_queued_again_then_stopped_when_its_tries_are_used(
        metrics, db_tasks):
    load = queued_load()
    run_queued_load.enqueue(load.pk, "numbers_in_treatment")
    [first] = ready_rows()
    taken = take(first)
    assert (taken.status, taken.attempts, taken.task_id) == ("running", 1, str(first.pk))
    assert leases.recover_stopped_loads() == {}  # alive: left alone
    kill(load)

    assert leases.recover_stopped_loads() == {load.pk: "requeued"}
    load.refresh_from_db()
    assert load.status == DataLoad.Status.QUEUED and load.task_id == ""
    assert "stopped while loading (last seen at" in load.progress_message
    assert "loading again from the start (attempt 2 of 2)" in load.progress_message
    first.refresh_from_db()
    assert (first.status, first.exception_class_path) == ("FAILED", leases.STOPPED_TASK)
    assert "The background worker stopped while loading" in first.traceback
    [second] = ready_rows()  # queued again with the same arguments
    assert second.args_kwargs == {"args": [load.pk, "numbers_in_treatment"], "kwargs": {}}

    take(second)
    kill(load)
    assert leases.recover_stopped_loads() == {load.pk: "stopped"}
    load.refresh_from_db()
    assert load.status == DataLoad.Status.STOPPED and load.get_status_display() == (
        "Not loaded: the loading stopped")
    [problem] = load.errors
    assert problem["message"].startswith("The background worker stopped while loading (last "
                                         "seen at ")
    assert problem["message"].endswith(", on attempt 2 of 2). Nothing was stored. Load the "
                                       "file again.")
    assert ready_rows() == [] and not DBTaskResult.objects.filter(status="RUNNING").exists()
    assert not Observation.objects.filter(load=load).exists()
    # Every change of state is in the load's history.
    assert list(load.history.order_by("history_id").values_list("status", flat=True))[-2:] == [
        "queued", "stopped"]

    withdraw_load(load, reason="The worker kept stopping")
    load.refresh_from_db()
    assert load.status == DataLoad.Status.WITHDRAWN
    assert load.withdrawal_reason == "The worker kept stopping"


def test_a_dead_foreground_load_is_marked_stopped(metrics, db_tasks):
    load = queued_load()
    leases.start_running(load)  # as run_load does for ``cdphub load``: no task
    kill(load)
    assert leases.recover_stopped_loads() == {load.pk: "stopped"}
    load.refresh_from_db()
    assert load.status == DataLoad.Status.STOPPED
    assert load.errors[0]["message"].startswith("The cdphub load command stopped while loading")
    assert ready_rows() == []


def test_withdrawing_a_dead_load_marks_it_stopped_and_does_not_run_it_again(metrics, db_tasks):
    load = queued_load()
    run_queued_load.enqueue(load.pk, None)
    take(ready_rows()[0])
    with pytest.raises(LoadError, match="is still loading .*wait for it to finish"):
        withdraw_load(load, reason="x")
    kill(load)
    withdraw_load(load, reason="Wrong file")
    load.refresh_from_db()
    assert load.status == DataLoad.Status.WITHDRAWN
    assert load.errors[0]["message"].startswith("The background worker stopped while loading")
    assert ready_rows() == []  # withdrawn, not queued again
    assert list(load.history.order_by("history_id").values_list("status", flat=True))[-2:] == [
        "stopped", "withdrawn"]


def test_a_process_whose_load_was_given_up_for_dead_stores_nothing(metrics):
    """The old process is alive after all (it hung): the load was queued again meanwhile, so
    it must not store the figures as well."""
    load = queued_load()

    def progress(done, total, message):
        if message.startswith("Storing"):  # another process gives it up, just before
            DataLoad.objects.filter(pk=load.pk).update(status=DataLoad.Status.QUEUED)

    result = run_load(load, progress=progress)
    assert result.status == DataLoad.Status.QUEUED
    assert not Observation.objects.filter(load=load).exists()


def test_a_running_load_renews_its_lease_with_its_progress(metrics):
    load = queued_load()
    before = timezone.now()
    load = run_load(load)
    assert load.status == DataLoad.Status.COMPLETE
    assert (load.attempts, load.task_id) == (1, "")
    assert load.heartbeat_at is not None and load.heartbeat_at >= before


@pytest.mark.django_db(transaction=True)
def test_the_heartbeat_thread_renews_the_lease(settings):
    settings.CDPHUB_LOAD_LEASE = dt.timedelta(seconds=0.3)  # renewed every 0.05 s
    load = queued_load()
    leases.start_running(load)
    first = load.heartbeat_at
    with leases.Heartbeat(load) as heartbeat:
        assert heartbeat.thread is not None
        deadline = time.monotonic() + 30
        while (DataLoad.objects.get(pk=load.pk).heartbeat_at == first
               and time.monotonic() < deadline):
            time.sleep(0.05)
    assert DataLoad.objects.get(pk=load.pk).heartbeat_at > first
    assert not heartbeat.thread.is_alive()


def test_the_page_of_a_dead_load_says_so_and_offers_withdrawal(client, world, metrics,
                                                               db_tasks):
    load = queued_load()
    run_queued_load.enqueue(load.pk, None)
    take(ready_rows()[0])
    sign_in(client, world.central_admin)
    page = client.get(load.get_absolute_url()).content.decode()
    assert "stopped while loading" not in page and "Withdraw load" not in page
    kill(load)
    page = client.get(load.get_absolute_url()).content.decode()
    assert ("The background worker stopped while loading (last seen at" in page
            and "Nothing was stored. A background worker will load the file again from the "
            "start when it next checks." in page)
    assert "Withdraw load" in page
    response = client.post(reverse("outcomes:load-withdraw", args=[load.pk]),
                           {"reason": "Worker died"})
    assert response.status_code == 302
    load.refresh_from_db()
    assert load.status == DataLoad.Status.WITHDRAWN and load.withdrawn_by == world.central_admin
    page = client.get(load.get_absolute_url()).content.decode()
    assert "The background worker stopped while loading" in page  # the reason, kept


def test_the_page_of_a_stopped_load(client, world, metrics, db_tasks):
    load = queued_load()
    leases.start_running(load)
    kill(load)
    leases.recover_stopped_loads()
    sign_in(client, world.central_admin)
    page = client.get(load.get_absolute_url()).content.decode()
    assert "Not loaded: the loading stopped" in page
    assert "Nothing was stored: the loading stopped before it finished." in page
    assert "Withdraw load" in page
