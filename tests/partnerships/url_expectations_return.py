"""Who may use the return to central government (Appendix 1) and the national register's
export and bulk import."""

from tests.url_expectations import CENTRAL, CENTRAL_ADMIN, READ_PARTNERSHIP_A, partnership_a

EXPECTED = {
    "partnerships:return": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:return-csv": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    "partnerships:return-xlsx": ({"slug": partnership_a}, READ_PARTNERSHIP_A),
    # Central users (analysts and administrators); regional advisers read their region on
    # screen but do not export the national register.
    "partnerships:register-export": ({}, CENTRAL),
    "partnerships:register-csv": ({}, CENTRAL),
    "partnerships:register-xlsx": ({}, CENTRAL),
    "partnerships:register-import": ({}, CENTRAL_ADMIN),
    "partnerships:register-template": ({}, CENTRAL_ADMIN),
}
