"""``cdphub load``: the same load in the foreground, with progress, a report and an exit status."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cdphub.outcomes.models import DataLoad, Observation
from tests.outcomes.loading_helpers import (
    FINGERTIPS_93517,
    catalogue,
    cover,
    csv_bytes,
    local_metric,
    sha256,
    stand_in_metric,
)

pytestmark = pytest.mark.django_db

FY19 = "2019-04-01,2020-03-31"


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def metrics(db):
    return catalogue()


def run(*args) -> str:
    out = io.StringIO()
    call_command("load", *[str(a) for a in args], stdout=out)
    return out.getvalue()


def write(tmp_path, data: bytes, name="figures.csv"):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_a_good_file_loads_and_prints_the_counts(tmp_path, metrics, world):
    data = csv_bytes(f"continuity_of_care,E06000001,{FY19},,40,100",
                     f"continuity_of_care,E06000002,{FY19},Male,30,100")
    out = run(write(tmp_path, data), "--user", world.central_analyst.email, "--synthetic")
    load = DataLoad.objects.get()
    assert load.status == DataLoad.Status.COMPLETE
    assert (load.loaded_by, load.is_synthetic, load.checksum) == (world.central_analyst, True,
                                                                  sha256(data))
    assert "Loaded with the cdphub command" in load.notes
    assert f"SHA-256 {sha256(data)}" in out
    assert "Loaded 2 rows: 2 figures stored, 0 earlier figures replaced" in out
    out = run(write(tmp_path, data, "again.csv"))
    assert "2 earlier figures replaced" in out


def test_a_bad_file_exits_non_zero_lists_the_problems_and_changes_nothing(tmp_path, metrics):
    data = csv_bytes(f"continuity_of_care,E06000001,{FY19},,40,100",
                     f"continuity_of_care,E06099999,{FY19},,30,100")
    out = io.StringIO()
    with pytest.raises(CommandError, match="Nothing was loaded: 1 problem") as raised:
        call_command("load", str(write(tmp_path, data)), stdout=out)
    assert raised.value.returncode == 1
    text = out.getvalue()
    assert "Problems: 1" in text and "area_code" in text
    assert "'E06099999' is not an area code we know" in text
    assert Observation.objects.count() == 0
    assert DataLoad.objects.get().status == DataLoad.Status.FAILED


def test_a_fingertips_export_with_the_metric_named(tmp_path, metrics, world):
    metric = stand_in_metric()
    with pytest.raises(CommandError):
        run(FINGERTIPS_93517, "--format", "fingertips")
    out = run(FINGERTIPS_93517, "--metric", metric.key)  # format worked out from the header
    load = DataLoad.objects.latest("pk")
    assert load.format == "fingertips" and load.observations_stored == 13
    assert "13 figures stored" in out


def test_record_level_file_is_recognised_and_counted(tmp_path, metrics):
    data = csv_bytes("numbers_in_treatment,E06000001,2019-05-01,Female",
                     "numbers_in_treatment,E06000001,2019-06-01,Male",
                     header="metric,area_code,date,breakdown_sex")
    out = run(write(tmp_path, data))
    load = DataLoad.objects.get()
    assert load.format == "records" and load.rows_read == 2
    assert load.observations_stored == 3  # the total and each sex
    assert "Loaded 2 rows: 3 figures stored" in out


def test_partnership_load_and_unknown_names(tmp_path, metrics, world):
    local_metric(world.partnership_a, key="naloxone_kits", method="count")
    cover(world.partnership_a, "E06000001")
    path = write(tmp_path, csv_bytes(f"naloxone_kits,E06000001,{FY19},,12,"))
    run(path, "--partnership", world.partnership_a.slug)
    assert DataLoad.objects.get().partnership == world.partnership_a
    for args, message in (
        (("--partnership", "nowhere"), "no partnership 'nowhere'"),
        (("--metric", "nothing"), "no metric 'nothing'"),
        (("--user", "who@example.org"), "no user who@example.org"),
    ):
        with pytest.raises(CommandError, match=message):
            run(path, *args)
    with pytest.raises(CommandError, match="no file"):
        run(tmp_path / "missing.csv")


def test_withdraw_from_the_command_line(tmp_path, metrics, world):
    line = f"continuity_of_care,E06000001,{FY19},,40,100"
    run(write(tmp_path, csv_bytes(line), "one.csv"))
    run(write(tmp_path, csv_bytes(line.replace("40", "41")), "two.csv"))
    second = DataLoad.objects.get(file_name="two.csv")
    with pytest.raises(CommandError, match="reason"):
        run("--withdraw", second.pk)
    out = run("--withdraw", second.pk, "--reason", "wrong file", "--user",
              world.central_admin.email)
    assert f"Load {second.pk} withdrawn" in out and "1 figure it had replaced is used again" in out
    second.refresh_from_db()
    assert second.status == DataLoad.Status.WITHDRAWN
    assert second.withdrawn_by == world.central_admin
    assert Observation.objects.get(is_current=True).numerator == 40
    with pytest.raises(CommandError, match="only a complete load"):
        run("--withdraw", second.pk, "--reason", "again")
