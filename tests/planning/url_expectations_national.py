"""Who may use the national and regional view of delivery plans: central users and regional
advisers (planning.view_national_plans; an adviser sees their region's partnerships only,
tests/planning/test_national_plans.py)."""

from tests.url_expectations import NATIONAL

EXPECTED = {
    "partnerships:national-plans": ({}, NATIONAL),
    "partnerships:national-plans-download": ({"fmt": "csv"}, NATIONAL),
}
