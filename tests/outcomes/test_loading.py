"""Loading metric data: the checks (one test per kind of bad file), storing, superseding,
withdrawing, the Fingertips export, record-level files, progress and the signal."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cdphub.outcomes.loading import LoadError, Progress, parse_time_period
from cdphub.outcomes.models import DataLoad, Observation
from cdphub.outcomes.store import create_load, run_load, withdraw_load
from tests.outcomes.loading_helpers import (
    FINGERTIPS_93517,
    catalogue,
    cover,
    csv_bytes,
    load_bytes,
    local_metric,
    only_receiver,
    sha256,
    stand_in_metric,
)

pytestmark = pytest.mark.django_db

FY19 = "2019-04-01,2020-03-31"
FY20 = "2020-04-01,2021-03-31"
GOOD_LINES = (
    f"numbers_in_treatment,E06000001,{FY19},,120,",
    f"numbers_in_treatment,E06000002,{FY19},,95,",
    f"numbers_in_treatment,E92000001,{FY19},,275896,",
    f"continuity_of_care,E06000001,{FY19},,40,100",
    f"continuity_of_care,E06000001,{FY19},Female,15,30",
    f"continuity_of_care,E06000001,{FY20},,44,101",
)


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def metrics(db):
    return catalogue()


@pytest.fixture
def earlier(metrics):
    """A complete load whose figures a bad file would replace, were it applied."""
    load = load_bytes(csv_bytes(f"continuity_of_care,E06000001,{FY19},,40,100"),
                      name="earlier.csv")
    assert load.status == DataLoad.Status.COMPLETE
    return load


# ---------------------------------------------------------------------------- a good file


def test_a_good_long_file_is_stored_with_its_provenance(metrics, world):
    data = csv_bytes(*GOOD_LINES)
    load = load_bytes(data, user=world.central_analyst)
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    assert (load.rows_read, load.observations_stored, load.observations_superseded) == (6, 6, 0)
    assert load.checksum == sha256(data) and load.size_bytes == len(data)
    assert load.loaded_by == world.central_analyst and load.finished_at is not None
    assert (load.progress_done, load.progress_total) == (100, 100)
    assert load.file.read() == data
    female = Observation.objects.get(load=load, breakdown="sex=Female")
    assert (female.metric.key, female.area.code, female.numerator, female.denominator) == (
        "continuity_of_care", "E06000001", 15, 30)
    assert (female.period_start, female.period_end, female.period_label) == (
        dt.date(2019, 4, 1), dt.date(2020, 3, 31), "2019/20")
    england = Observation.objects.get(load=load, area__code="E92000001")
    assert england.numerator == 275896 and england.denominator is None
    assert Observation.objects.filter(load=load, is_current=True).count() == 6


def test_an_xlsx_file_with_real_dates_and_numbers_loads_like_the_csv(metrics):
    from openpyxl import Workbook

    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["metric", "area_code", "period_from", "period_to", "period_label",
                  "numerator", "denominator"])
    sheet.append(["continuity_of_care", "E06000001", dt.datetime(2019, 4, 1),
                  dt.datetime(2020, 3, 31), None, 40, 100.0])
    sheet.append(["continuity_of_care", "E06000002", "2019-04-01", "2020-03-31", "2019-20",
                  "12.5", 50])
    buffer = io.BytesIO()
    workbook.save(buffer)
    load = load_bytes(buffer.getvalue(), name="figures.xlsx")
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    rows = {o.area.code: (o.numerator, o.denominator, o.period_label, o.period_start)
            for o in Observation.objects.filter(load=load)}
    assert rows == {"E06000001": (40, 100, "2019/20", dt.date(2019, 4, 1)),
                    "E06000002": (12.5, 50, "2019-20", dt.date(2019, 4, 1))}


def test_a_gap_in_a_series_is_a_warning_not_an_error(metrics):
    load = load_bytes(csv_bytes(f"continuity_of_care,E06000001,{FY19},,40,100",
                                "continuity_of_care,E06000001,2021-04-01,2022-03-31,,41,100"))
    assert load.status == DataLoad.Status.COMPLETE
    assert load.observations_stored == 2
    assert len(load.warnings) == 1
    assert load.warnings[0]["row"] == 3
    assert "no figure between 2019/20 and 2021/22" in load.warnings[0]["message"]


# ------------------------------------------------------------- bad files: one test each


def assert_refused(load, earlier, row, column, *phrases):
    assert load.status == DataLoad.Status.FAILED
    assert load.observations_stored == 0 and load.error_count >= 1
    named = [e for e in load.errors if (e["row"], e["column"]) == (row, column)]
    assert named, f"no problem at row {row}, column {column}: {load.errors}"
    for phrase in phrases:
        assert any(phrase in e["message"] for e in named), (phrase, named)
    # Nothing changed: the earlier figure is still the current one and nothing was added.
    assert Observation.objects.count() == 1
    assert not Observation.objects.filter(load=load).exists()
    old = Observation.objects.get(load=earlier)
    assert old.is_current and old.superseded_by is None


REPLACE_EARLIER = f"continuity_of_care,E06000001,{FY19},,41,100"  # would supersede earlier


def test_unknown_metric(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER, f"deaths_of_unicorns,E06000001,{FY19},,1,2"))
    assert_refused(load, earlier, 3, "metric", "'deaths_of_unicorns' is not a metric we know",
                   "metrics page")


def test_unknown_area_code(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER, f"continuity_of_care,E06999999,{FY19},,1,2"))
    assert_refused(load, earlier, 3, "area_code", "'E06999999' is not an area code we know",
                   "GSS code")


def test_area_code_not_in_use_during_the_period(earlier):
    # Cumbria (E10000006) was replaced on 1 April 2023.
    load = load_bytes(csv_bytes(
        REPLACE_EARLIER, "continuity_of_care,E10000006,2023-04-01,2024-03-31,,1,2"))
    assert_refused(load, earlier, 3, "area_code", "E10000006 (Cumbria) was not in use",
                   "until 31 March 2023")


def test_area_type_not_published_for_the_metric(earlier):
    # Cleveland police force area for a metric published for upper-tier authorities.
    load = load_bytes(csv_bytes(REPLACE_EARLIER, f"continuity_of_care,E23000013,{FY19},,1,2"))
    assert_refused(load, earlier, 3, "area_code", "is a police force area",
                   "published for upper-tier local authorities")


def test_england_and_region_rows_are_always_accepted(earlier):
    load = load_bytes(csv_bytes("drug_related_homicides,E92000001,2017-01-01,2019-12-31,,150,",
                                "drug_related_homicides,E12000001,2017-01-01,2019-12-31,,9,",
                                "drug_related_homicides,E23000013,2017-01-01,2019-12-31,,3,"))
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    assert {o.period_label for o in load.observations.all()} == {"2017 - 19"}


def test_bad_number(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER, f"continuity_of_care,E06000002,{FY19},,1o,20"))
    assert_refused(load, earlier, 3, "numerator", "'1o' is not a number", "digits only")


def test_negative_count(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER, f"continuity_of_care,E06000002,{FY19},,5,-20"))
    assert_refused(load, earlier, 3, "denominator", "The denominator is negative (-20)")


def test_denominator_zero(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER, f"continuity_of_care,E06000002,{FY19},,0,0"))
    assert_refused(load, earlier, 3, "denominator", "The denominator is 0")
    assert len(load.errors) == 1  # not also "numerator above denominator"


def test_numerator_above_denominator_for_a_proportion(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER, f"continuity_of_care,E06000002,{FY19},,30,20"))
    assert_refused(load, earlier, 3, "numerator", "(30) is greater than the denominator (20)",
                   "swapped")


def test_a_count_metric_may_have_a_numerator_above_its_denominator(earlier):
    load = load_bytes(csv_bytes(f"numbers_in_treatment,E06000002,{FY19},,30,20"))
    assert load.status == DataLoad.Status.COMPLETE, load.errors


def test_period_to_before_period_from(earlier):
    load = load_bytes(csv_bytes(
        REPLACE_EARLIER, "continuity_of_care,E06000002,2020-03-31,2019-04-01,,1,2"))
    assert_refused(load, earlier, 3, "period_to", "is before period_from")


def test_missing_period(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER, "continuity_of_care,E06000002,,2020-03-31,,1,2"))
    assert_refused(load, earlier, 3, "period_from", "The period is missing")


def test_a_date_that_is_not_a_date(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER,
                                "continuity_of_care,E06000002,2019-04-01,31/02/2020,,1,2"))
    assert_refused(load, earlier, 3, "period_to", "'31/02/2020' is not a date", "YYYY-MM-DD")


def test_duplicate_rows_name_both_rows(earlier):
    load = load_bytes(csv_bytes(
        REPLACE_EARLIER, f"continuity_of_care,E06000002,{FY19},,1,2",
        f"continuity_of_care,E06000002,{FY19},,1,3"))
    columns = "metric, area_code, period_from, period_to, breakdown_sex"
    assert_refused(load, earlier, 4, columns, "Row 4 repeats row 3")


def test_a_row_without_any_figure(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER, f"continuity_of_care,E06000002,{FY19},,,"))
    assert_refused(load, earlier, 3, "numerator", "There is no figure on this row")


def test_a_missing_column_is_named_at_the_header_row(earlier):
    load = load_bytes(csv_bytes(f"continuity_of_care,{FY19},1,2",
                                header="metric,period_from,period_to,numerator,denominator"))
    assert_refused(load, earlier, 1, "area_code", "The file has no 'area_code' column")


def test_a_file_with_only_a_header(earlier):
    load = load_bytes(csv_bytes())
    assert_refused(load, earlier, 2, "", "There are no rows of figures")


def test_a_file_that_is_neither_csv_nor_xlsx(earlier):
    load = load_bytes(b"%PDF-1.7", name="figures.pdf")
    assert_refused(load, earlier, None, "", "is not a CSV or XLSX file")


def test_a_partnership_may_load_only_its_own_local_metrics(earlier, world):
    mine = local_metric(world.partnership_a, key="naloxone_kits", method="count")
    local_metric(world.partnership_b, key="their_metric", method="count")
    cover(world.partnership_a, "E06000001")
    load = load_bytes(csv_bytes(f"naloxone_kits,E06000001,{FY19},,12,",
                                f"continuity_of_care,E06000001,{FY19},,41,100",
                                f"their_metric,E06000001,{FY19},,3,"),
                      partnership=world.partnership_a)
    assert_refused(load, earlier, 3, "metric",
                   "'continuity_of_care' is not one of Greater Manchester CDP's local metrics")
    assert [e["row"] for e in load.errors] == [3, 4]
    ok = load_bytes(csv_bytes(f"naloxone_kits,E06000001,{FY19},,12,"),
                    partnership=world.partnership_a)
    assert ok.status == DataLoad.Status.COMPLETE
    assert ok.observations.get().metric == mine


def test_a_file_loaded_in_the_wrong_format_says_which_it_looks_like(earlier):
    load = load_bytes(FINGERTIPS_93517.read_bytes(), file_format="long")
    assert_refused(load, earlier, 1, "", "look like a Fingertips export")


def test_a_chosen_metric_must_match_the_files_metric_column(earlier):
    load = load_bytes(csv_bytes(REPLACE_EARLIER, f"numbers_in_treatment,E06000001,{FY19},,5,"),
                      metric_key="numbers_in_treatment")
    assert_refused(load, earlier, 2, "metric", "the load was for numbers_in_treatment only")
    assert [e["row"] for e in load.errors] == [2]


def test_every_problem_is_counted_and_the_first_thousand_kept_in_row_order(earlier):
    lines = [f"continuity_of_care,E0600{i:04d}X,{FY19},,1,2" for i in range(1205)]
    load = load_bytes(csv_bytes(*lines))
    assert load.status == DataLoad.Status.FAILED
    assert load.error_count == 1205 and len(load.errors) == 1000
    assert [e["row"] for e in load.errors] == list(range(2, 1002))
    assert Observation.objects.count() == 1


# ---------------------------------------------------------------------------- Fingertips


def published_rows():
    with open(FINGERTIPS_93517, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def number(text):
    return float(text) if text else None


def test_the_real_fingertips_export_loads_with_values_as_published(metrics, world):
    metric = stand_in_metric()
    data = FINGERTIPS_93517.read_bytes()
    load = load_bytes(data, name=FINGERTIPS_93517.name, file_format="fingertips",
                      metric_key=metric.key)
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    rows = published_rows()
    assert load.rows_read == len(rows) == 13 and load.observations_stored == 13
    assert load.checksum == sha256(data)
    assert "Fingertips indicator 93517" in load.notes
    stored = {(o.area.code, o.period_label): o
              for o in Observation.objects.filter(load=load).select_related("area")}
    for row in rows:
        o = stored[(row["Area Code"], row["Time period"])]
        assert (o.numerator, o.denominator, o.value) == (
            number(row["Count"]), number(row["Denominator"]), number(row["Value"]))
        assert (o.lower_95, o.upper_95) == (number(row["Lower CI 95.0 limit"]),
                                            number(row["Upper CI 95.0 limit"]))
        assert o.lower_99_8 is None and o.upper_99_8 is None  # not published
        assert o.breakdown == "" and o.metric == metric
    # The England row is an observation like the others; 2019/20 is a financial year.
    england = stored[("E92000001", "2019/20")]
    assert (england.period_start, england.period_end) == (dt.date(2019, 4, 1),
                                                          dt.date(2020, 3, 31))
    assert england.value == 52.14774596


def test_a_fingertips_export_needs_the_metric_named(earlier):
    load = load_bytes(FINGERTIPS_93517.read_bytes(), file_format="fingertips")
    assert_refused(load, earlier, 1, "Indicator ID", "does not say which cdphub metric")


def test_fingertips_sex_and_category_become_breakdowns_and_bad_periods_are_named(earlier,
                                                                                 world):
    metric = stand_in_metric()
    header = ("Indicator ID,Area Code,Sex,Age,Category Type,Category,Time period,Value,"
              "Count,Denominator")
    good = csv_bytes("93517,E06000001,Persons,15-64 yrs,,,2019/20,50,5,10",
                     "93517,E06000001,Female,15-64 yrs,,,2019/20,40,2,5",
                     "93517,E06000001,Persons,15-64 yrs,Deprivation decile,Most deprived,"
                     "2019/20,60,3,5",
                     "93517,E06000001,Persons,15-64 yrs,,,2019/20,,,",  # suppressed
                     header=header)
    load = load_bytes(good, file_format="fingertips", metric_key=metric.key)
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    assert sorted(load.observations.values_list("breakdown", flat=True)) == [
        "", "deprivation_decile=Most deprived", "sex=Female"]
    assert "1 row has no figures" in load.warnings[0]["message"]
    bad = load_bytes(csv_bytes("93517,E06000001,Persons,15-64 yrs,,,2019/21,50,5,10",
                               header=header), file_format="fingertips", metric_key=metric.key)
    assert bad.status == DataLoad.Status.FAILED
    assert (bad.errors[0]["row"], bad.errors[0]["column"]) == (2, "Time period")
    assert "'2019/21' is not a time period we recognise" in bad.errors[0]["message"]


@pytest.mark.parametrize("text, start, end", [
    ("2019/20", dt.date(2019, 4, 1), dt.date(2020, 3, 31)),
    ("1999/00", dt.date(1999, 4, 1), dt.date(2000, 3, 31)),
    ("2017 - 19", dt.date(2017, 1, 1), dt.date(2019, 12, 31)),
    ("2020", dt.date(2020, 1, 1), dt.date(2020, 12, 31)),
    ("2017/18 - 19/20", dt.date(2017, 4, 1), dt.date(2020, 3, 31)),
    ("2019/20 Q1", dt.date(2019, 4, 1), dt.date(2019, 6, 30)),
    ("2019/20 Q4", dt.date(2020, 1, 1), dt.date(2020, 3, 31)),
    ("2020 Q4", dt.date(2020, 10, 1), dt.date(2020, 12, 31)),
    ("Feb 2020", dt.date(2020, 2, 1), dt.date(2020, 2, 29)),
])
def test_fingertips_time_periods(text, start, end):
    assert parse_time_period(text) == (start, end)


@pytest.mark.parametrize("text", ["2019/21", "2019 - 17", "Q1", "2019/20 Q5", "soon"])
def test_fingertips_time_periods_not_recognised(text):
    assert parse_time_period(text) is None


# -------------------------------------------------------------------------- record-level


RECORDS_HEADER = "metric,area_code,date,breakdown_sex"


def test_record_level_files_are_counted_by_financial_year(metrics):
    lines = [
        "numbers_in_treatment,E06000001,2019-03-31,Male",  # 2018/19
        "numbers_in_treatment,E06000001,2019-04-01,Male",  # 2019/20 from here
        "numbers_in_treatment,E06000001,2019-12-25,Female",
        "numbers_in_treatment,E06000001,2020-03-31,",
        "numbers_in_treatment,E06000001,2020-04-01,Female",  # 2020/21
        "numbers_in_treatment,E06000002,2019-06-01,Female",
    ]
    load = load_bytes(csv_bytes(*lines, header=RECORDS_HEADER), file_format="records")
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    assert load.rows_read == 6
    counts = {(o.area.code, o.period_label, o.breakdown): o.numerator
              for o in load.observations.select_related("area")}
    assert counts == {
        ("E06000001", "2018/19", ""): 1, ("E06000001", "2018/19", "sex=Male"): 1,
        ("E06000001", "2019/20", ""): 3, ("E06000001", "2019/20", "sex=Male"): 1,
        ("E06000001", "2019/20", "sex=Female"): 1,
        ("E06000001", "2020/21", ""): 1, ("E06000001", "2020/21", "sex=Female"): 1,
        ("E06000002", "2019/20", ""): 1, ("E06000002", "2019/20", "sex=Female"): 1,
    }
    figure = load.observations.get(area__code="E06000001", period_label="2019/20", breakdown="")
    assert (figure.period_start, figure.period_end) == (dt.date(2019, 4, 1),
                                                        dt.date(2020, 3, 31))
    assert figure.denominator is None


def test_record_level_files_for_pooled_metrics_count_three_year_windows(metrics):
    lines = [f"drug_related_homicides,E23000013,{year}-06-30," for year in
             (2017, 2018, 2018, 2019, 2020)]
    load = load_bytes(csv_bytes(*lines, header=RECORDS_HEADER), file_format="records")
    assert load.status == DataLoad.Status.COMPLETE, load.errors
    assert dict(load.observations.values_list("period_label", "numerator")) == {
        "2017 - 19": 4, "2018 - 20": 4}


def test_record_level_rows_are_checked_against_the_area_on_the_date(earlier):
    lines = ["continuity_of_care,E06000001,2019-05-05,Male",
             "continuity_of_care,E10000006,2023-04-01,Male",  # Cumbria had gone
             "continuity_of_care,E06000001,5 May 2019,Male"]
    load = load_bytes(csv_bytes(*lines, header=RECORDS_HEADER), file_format="records")
    assert_refused(load, earlier, 3, "area_code", "was not in use on 1 April 2023")
    assert_refused(load, earlier, 4, "date", "'5 May 2019' is not a date")


# ---------------------------------------------------------------- supersede and withdraw


def test_a_newer_load_supersedes_visibly_and_withdrawing_it_restores(metrics, world):
    first = load_bytes(csv_bytes(f"continuity_of_care,E06000001,{FY19},,40,100",
                                 f"continuity_of_care,E06000002,{FY19},,30,100"))
    second = load_bytes(csv_bytes(f"continuity_of_care,E06000001,{FY19},,42,100",
                                  f"continuity_of_care,E06000003,{FY19},,7,10"))
    assert second.observations_superseded == 1 and second.observations_stored == 2
    replaced = Observation.objects.get(load=first, area__code="E06000001")
    assert not replaced.is_current and replaced.superseded_by == second
    assert Observation.objects.get(load=first, area__code="E06000002").is_current
    current = Observation.objects.get(is_current=True, area__code="E06000001")
    assert current.load == second and current.numerator == 42

    with only_receiver() as calls:
        restored = withdraw_load(second, user=world.central_admin, reason="Wrong extract")
    assert restored == 1
    second.refresh_from_db()
    assert second.status == DataLoad.Status.WITHDRAWN
    assert (second.withdrawn_by, second.withdrawal_reason) == (world.central_admin,
                                                               "Wrong extract")
    assert second.withdrawn_at is not None
    assert not Observation.objects.filter(load=second, is_current=True).exists()
    back = Observation.objects.get(load=first, area__code="E06000001")
    assert back.is_current and back.superseded_by is None
    assert Observation.objects.filter(is_current=True).count() == 2
    with pytest.raises(LoadError, match="only a complete load can be withdrawn"):
        withdraw_load(second, reason="again")
    assert calls == []  # sent on commit only


def test_withdrawing_a_middle_load_hands_its_victims_to_the_later_load(metrics):
    line = f"continuity_of_care,E06000001,{FY19},,{{}},100"
    first, second, third = (load_bytes(csv_bytes(line.format(n))) for n in (40, 41, 42))
    withdraw_load(second, reason="duplicate")
    original = Observation.objects.get(load=first)
    assert not original.is_current and original.superseded_by == third
    withdraw_load(third, reason="also wrong")
    original.refresh_from_db()
    assert original.is_current and original.superseded_by is None
    assert list(Observation.objects.filter(is_current=True).values_list("numerator", flat=True)
                ) == [40]


def test_a_failed_load_cannot_be_withdrawn(earlier):
    bad = load_bytes(csv_bytes(f"nope,E06000001,{FY19},,1,2"))
    with pytest.raises(LoadError):
        withdraw_load(bad, reason="x")


# ------------------------------------------------------------------- signal and progress


def test_data_changed_is_sent_after_commit_with_the_metric_ids(metrics, django_capture_on_commit_callbacks):
    with only_receiver() as calls:
        with django_capture_on_commit_callbacks(execute=True):
            load = load_bytes(csv_bytes(*GOOD_LINES))
        assert len(calls) == 1
        assert calls[0]["sender"] is DataLoad and calls[0]["load"] == load
        assert calls[0]["metric_ids"] == sorted([metrics["numbers_in_treatment"].pk,
                                                 metrics["continuity_of_care"].pk])
        with django_capture_on_commit_callbacks(execute=True):
            withdraw_load(load, reason="test")
        assert len(calls) == 2 and calls[1]["metric_ids"] == calls[0]["metric_ids"]
        with django_capture_on_commit_callbacks(execute=True):
            load_bytes(csv_bytes(f"nope,E06000001,{FY19},,1,2"))
        assert len(calls) == 2  # a refused file changes nothing, so says nothing


def test_progress_moves_and_is_saved_at_most_every_two_percent(metrics):
    lines = [f"numbers_in_treatment,E06000001,{1900 + i}-04-01,{1901 + i}-03-31,,{i},"
             for i in range(120)]
    seen = []
    load = create_load(source=io.BytesIO(csv_bytes(*lines)), file_name="long.csv",
                       file_format="long")
    assert (load.status, load.progress_done) == (DataLoad.Status.QUEUED, 0)
    with CaptureQueriesContext(connection) as queries:
        run_load(load, progress=lambda done, total, message: seen.append((done, message)))
    done = [d for d, _ in seen]
    assert done == sorted(done) and done[-1] == 100 and len(set(done)) >= 5
    assert any("Stored 120 of 120 figures" in m for _, m in seen)
    saved = [q["sql"] for q in queries.captured_queries
             if q["sql"].startswith("UPDATE") and "progress_done" in q["sql"]]
    assert 3 <= len(saved) <= 12
    load.refresh_from_db()
    assert (load.progress_done, load.progress_total, load.progress_message) == (
        100, 100, "Loaded 120 figures")


def test_progress_throttles_saving():
    saves = []
    progress = Progress(save=lambda *args: saves.append(args))
    for step in range(1000):
        progress(step / 10, f"row {step}", "check")
    assert 40 <= len(saves) <= 51
