"""The web loader tells a file's format from its header row, exactly as ``cdphub load`` does
(one function, ``loading.sniff_format``), and the load says what it worked out."""

from __future__ import annotations

import contextlib
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse

from cdphub.outcomes.loading import sniff_format
from cdphub.outcomes.models import DataLoad
from tests.conftest import sign_in
from tests.outcomes.loading_helpers import FINGERTIPS_93517, catalogue, csv_bytes, local_metric

pytestmark = pytest.mark.django_db

FY19 = "2019-04-01,2020-03-31"
LONG = csv_bytes(f"continuity_of_care,E06000001,{FY19},,40,100")
RECORDS = csv_bytes("numbers_in_treatment,E06000001,2019-05-01,Female",
                    header="metric,area_code,date,breakdown_sex")


def _xlsx(rows) -> bytes:
    from openpyxl import Workbook

    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


FILES = {
    "long.csv": (LONG, "long"),
    "fingertips.csv": (FINGERTIPS_93517.read_bytes(), "fingertips"),
    "records.csv": (RECORDS, "records"),
    "records.xlsx": (_xlsx([["metric", "area_code", "date"],
                            ["numbers_in_treatment", "E06000001", "2019-05-01"]]), "records"),
    "fingertips.xlsx": (_xlsx([["Indicator ID", "Indicator Name", "Area Code", "Time period"],
                               [93517, "x", "E06000001", "2019/20"]]), "fingertips"),
}


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture
def metrics(db):
    return catalogue()


@pytest.mark.parametrize("name", list(FILES))
def test_the_web_loader_and_the_command_work_out_the_same_format(client, world, metrics,
                                                                 tmp_path, name):
    data, expected = FILES[name]
    path = tmp_path / name
    path.write_bytes(data)
    assert sniff_format(path) == expected

    metric = local_metric(world.partnership_a)  # the metric a Fingertips export needs
    sign_in(client, world.central_admin)
    response = client.post(reverse("outcomes:load-new"), {
        "file": SimpleUploadedFile(name, data), "partnership": "",
        "metric": metric.pk if expected == "fingertips" else ""})  # no format given
    assert response.status_code == 302, response.content.decode()[:2000]
    web = DataLoad.objects.get()
    assert web.format == expected
    assert "worked out from the file's header row" in web.notes
    page = client.get(web.get_absolute_url()).content.decode()
    assert web.get_format_display() in page
    assert "worked out from the file&#x27;s header row" in page

    metric_args = ["--metric", metric.key] if expected == "fingertips" else []
    with contextlib.suppress(CommandError):  # the format is what is compared, not the load
        call_command("load", str(path), *metric_args, stdout=io.StringIO(),
                     stderr=io.StringIO())
    command = DataLoad.objects.exclude(pk=web.pk).get()
    assert command.format == web.format
    assert "worked out from the file's header row" in command.notes


def test_a_format_chosen_on_the_page_overrides_the_header(client, world, metrics):
    sign_in(client, world.central_admin)
    client.post(reverse("outcomes:load-new"), {
        "file": SimpleUploadedFile("figures.csv", LONG), "partnership": "",
        "format": "records"})
    load = DataLoad.objects.get()
    assert load.format == "records"
    assert "chosen by the person loading it" in load.notes
    # The check then says the columns look like the long format.
    assert "look like the cdphub long format" in str(load.errors)


def test_a_fingertips_export_found_by_its_header_asks_for_its_metric(client, world, metrics):
    sign_in(client, world.central_admin)
    response = client.post(reverse("outcomes:load-new"), {
        "file": SimpleUploadedFile("export.csv", FINGERTIPS_93517.read_bytes()),
        "partnership": ""})
    assert response.status_code == 200
    html = response.content.decode()
    assert "This file is a Fingertips export (from its header row). Choose the metric this " \
           "Fingertips export is for." in html
    assert not DataLoad.objects.exists()


def test_the_upload_page_asks_for_no_format(client, world, metrics):
    sign_in(client, world.central_admin)
    html = client.get(reverse("outcomes:load-new")).content.decode()
    assert "Format (optional)" in html and "What is in the file?" not in html
    assert 'value="detect"' in html and " checked" not in html.split('name="format"')[1][:200]
