"""The return to central government (guidance Appendix 1), and bulk onboarding in its shape.

One row per partnership, with exactly the fields the guidance lists: the upper-tier local
authorities covered, the rationale for them, the SRO's and the other leads' name, job title,
organisation and email, and the core partners that agreed the proposal. The same layout is
written as CSV and XLSX, served by the API and read back by the bulk import, which checks
every row before it writes anything and then creates the records through ``actions`` (so the
register's rules apply to an import exactly as they do to a form).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction

from cdphub.core.clock import today
from cdphub.core.downloads import About, Table, restore, table_csv, table_xlsx
from cdphub.core.downloads import Column as FileColumn
from cdphub.framework import guidance
from cdphub.geography.models import Area

from . import actions, rules
from .models import Organisation, Partnership, Person, Position
from .status import current_appointments, current_authorities, leadership, with_register

GUIDANCE = "Drugs strategy: guidance for local delivery partners (June 2022)"
GUIDANCE_URL = ("https://www.gov.uk/government/publications/"
                "drugs-strategy-guidance-for-local-delivery-partners")
APPENDIX = "Appendix 1 – Information for local areas to return to central government"

# The bullets of Appendix 1, word for word.
_UTLAS = "upper-tier Local Authorities (UTLAs) covered by the partnership"
_RATIONALE = "rationale for selection of the UTLAs covered by the partnership"
_SRO = ("name, job title, organisation and email address of your nominated senior "
        "responsible owner")
_LEADS = ("names, job titles, organisations and email addresses of individuals selected to "
          "carry out other suggested lead roles within the partnership (where these decisions "
          "have been made)")
_CORE = "names, organisations and email addresses of the core partners that have agreed the proposal"


@dataclass(frozen=True)
class Column:
    """``name``: the field's key (in the API and in code); ``heading``: its heading in files,
    in words (docs/downloads.md); the import reads either."""

    name: str
    description: str
    source: str
    heading: str


# Column prefix → the position it reports, in the order the columns appear.
ROLES: dict[str, Position] = {
    "sro": Position.SRO,
    "partnership_lead": Position.PARTNERSHIP_LEAD,
    "public_involvement_lead": Position.PUBLIC_INVOLVEMENT_LEAD,
    "data_lead": Position.DATA_LEAD,
}
CONTACT_FIELDS = {"name": "name", "job_title": "job title", "organisation": "organisation",
                  "email": "email address"}
FIELD_LIMITS = {"name": 200, "job_title": 200, "organisation": 200, "email": 254}
CORE_PARTNER_SEPARATOR = "; "
CORE_PARTNER_PARTS = " | "


def _role_columns(prefix: str, position: Position) -> list[Column]:
    source = _SRO if position == Position.SRO else _LEADS
    role = "SRO" if position == Position.SRO else position.label
    return [Column(f"{prefix}_{key}", f"{position.label}: {label}", source, f"{role} {label}")
            for key, label in CONTACT_FIELDS.items()]


COLUMNS: tuple[Column, ...] = (
    Column("partnership_name", "The partnership's name", "The partnership making the return",
           "Partnership name"),
    Column("authority_codes", "GSS codes of the upper-tier local authorities covered, "
           "separated by semicolons", _UTLAS, "Authority codes"),
    Column("authority_names", "Names of the authorities covered, in the same order", _UTLAS,
           "Authority names"),
    Column("footprint_rationale", "Why these authorities", _RATIONALE, "Footprint rationale"),
    *(column for prefix, position in ROLES.items() for column in _role_columns(prefix, position)),
    Column("core_partners_agreed", "Core partners that agreed the proposal, each as "
           "'Name | Organisation | email', separated by semicolons", _CORE,
           "Core partners agreed"),
)
HEADER: tuple[str, ...] = tuple(column.name for column in COLUMNS)

# The bulk import also needs the SRO's role, which the register records for every SRO
# (guidance chapter 3, Leadership roles) but the return itself does not ask for.
SRO_ROLE_COLUMN = Column("sro_role", "The role the SRO holds (a key from the guidance's list)",
                         "Chapter 3, Leadership roles", "SRO role")
IMPORT_HEADER: tuple[str, ...] = (*HEADER[:HEADER.index("sro_email") + 1], SRO_ROLE_COLUMN.name,
                                  *HEADER[HEADER.index("sro_email") + 1:])
#: Each field's heading in files, and the headings of the two layouts in order.
HEADING_OF: dict[str, str] = {c.name: c.heading for c in (*COLUMNS, SRO_ROLE_COLUMN)}
HEADINGS: tuple[str, ...] = tuple(HEADING_OF[name] for name in HEADER)
IMPORT_HEADINGS: tuple[str, ...] = tuple(HEADING_OF[name] for name in IMPORT_HEADER)
_KEY_OF_HEADING = {heading.lower(): name for name, heading in HEADING_OF.items()}


def field_of(heading: str) -> str:
    """The field a file's heading names: its heading in words (any case) or its key, as
    files exported before headings were words have them; anything else as it is."""
    return _KEY_OF_HEADING.get(heading.lower(), heading)


# --- the return ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Authority:
    code: str
    name: str


@dataclass(frozen=True)
class Contact:
    name: str
    job_title: str = ""
    organisation: str = ""
    email: str = ""

    @classmethod
    def of(cls, person: Person) -> Contact:
        return cls(name=person.full_name, job_title=person.job_title,
                   organisation=person.organisation.name if person.organisation else "",
                   email=person.email)

    def as_core_partner(self) -> str:
        return CORE_PARTNER_PARTS.join((self.name, self.organisation, self.email))


@dataclass(frozen=True)
class PartnershipReturn:
    """What Appendix 1 asks for, for one partnership. A lead role nobody holds is None."""

    partnership_name: str
    authorities: tuple[Authority, ...]
    footprint_rationale: str
    sro: Contact | None
    partnership_lead: Contact | None
    public_involvement_lead: Contact | None
    data_lead: Contact | None
    core_partners_agreed: tuple[Contact, ...]

    def roles(self) -> list[tuple[str, Contact | None]]:
        """(label, holder) for the SRO and the three leads, in the guidance's order."""
        return [(position.label, getattr(self, prefix)) for prefix, position in ROLES.items()]

    def as_row(self) -> dict[str, str]:
        row = {
            "partnership_name": self.partnership_name,
            "authority_codes": ";".join(a.code for a in self.authorities),
            "authority_names": "; ".join(a.name for a in self.authorities),
            "footprint_rationale": self.footprint_rationale,
        }
        for prefix in ROLES:
            holder = getattr(self, prefix)
            for key in CONTACT_FIELDS:
                row[f"{prefix}_{key}"] = getattr(holder, key) if holder else ""
        row["core_partners_agreed"] = CORE_PARTNER_SEPARATOR.join(
            c.as_core_partner() for c in self.core_partners_agreed)
        return row


def build_return(partnership: Partnership, on: dt.date | None = None) -> PartnershipReturn:
    """The return as the register stands on ``on`` (today by default). Reads only prefetched
    records when the partnership comes from ``status.with_register``."""
    on = on or today()
    holders = {Position(appointment.position): appointment
               for _label, appointment in leadership(partnership, on) if appointment}
    agreed: dict[int, Contact] = {}
    for appointment in current_appointments(partnership, on):
        if appointment.agreed_proposal:
            agreed.setdefault(appointment.person_id, Contact.of(appointment.person))
    return PartnershipReturn(
        partnership_name=partnership.name,
        authorities=tuple(Authority(a.code, a.name)
                          for a in current_authorities(partnership, on)),
        footprint_rationale=partnership.footprint_rationale,
        **{prefix: Contact.of(holders[position].person) if position in holders else None
           for prefix, position in ROLES.items()},
        core_partners_agreed=tuple(sorted(agreed.values(),
                                          key=lambda c: (c.name.lower(), c.organisation))),
    )


def build_returns(queryset, on: dt.date | None = None) -> list[PartnershipReturn]:
    """One return per partnership in ``queryset``, in a fixed number of queries."""
    on = on or today()
    return [build_return(p, on) for p in with_register(queryset.order_by("name"))]


def build_rows(queryset, on: dt.date | None = None) -> list[dict[str, str]]:
    return [r.as_row() for r in build_returns(queryset, on)]


# --- writing ------------------------------------------------------------------------------
# The core downloads writer keeps text that looks like a formula from running in a spreadsheet
# (the CSV prefixes an apostrophe, which the import takes off again with ``restore``).


def _table(rows: Iterable[dict[str, str]], header: Iterable[str], about: About) -> Table:
    return Table([FileColumn(name, HEADING_OF[name]) for name in header],
                 list(rows), about, sheet="Appendix 1 returns")


def _about(exported_on: dt.date, url: str = "") -> About:
    return About(
        title="Combating Drugs Partnerships: information returned to central government",
        source=f"{GUIDANCE}, {APPENDIX}", url=url,
        details=[("Exported on", exported_on), ("Guidance", GUIDANCE_URL)],
        appendix=[["Column", "What it holds", "Source in the guidance"],
                  *([column.heading, column.description, column.source]
                    for column in COLUMNS)])


def to_csv(rows: Iterable[dict[str, str]], header: Iterable[str] = HEADER) -> bytes:
    """UTF-8 with a byte-order mark (so Excel reads the accents and dashes correctly), with
    the headings in words; ``header``: the fields, in order."""
    return table_csv(_table(rows, header, _about(today())))


def to_xlsx(rows: Iterable[dict[str, str]], exported_on: dt.date | None = None, *,
            url: str = "") -> bytes:
    """A workbook: the returns on the first sheet (one row per partnership) and, on "About",
    where it came from and where each column comes from in the guidance."""
    exported_on = exported_on or today()
    return table_xlsx(_table(rows, HEADER, _about(exported_on, url)))


def template_csv() -> bytes:
    """The import template: the header and one example row to overwrite."""
    example = {
        "partnership_name": "Example Combating Drugs Partnership",
        "authority_codes": "E06000001;E06000004",
        "authority_names": "Hartlepool; Stockton-on-Tees",
        "footprint_rationale": "The authorities share a police force and commissioning "
                               "arrangements.",
        "sro_name": "Alex Example", "sro_job_title": "Director of Public Health",
        "sro_organisation": "Example Council", "sro_email": "alex.example@example.org",
        "sro_role": "la_director",
        "partnership_lead_name": "Sam Sample",
        "partnership_lead_job_title": "Drug and Alcohol Commissioning Manager",
        "partnership_lead_organisation": "Example Council",
        "partnership_lead_email": "sam.sample@example.org",
        "core_partners_agreed": "Jo Bloggs | Example Police | jo.bloggs@example.org; "
                                "Ali Smith | Example NHS Trust | ali.smith@example.org",
    }
    return to_csv([{name: example.get(name, "") for name in IMPORT_HEADER}], IMPORT_HEADER)


# --- reading an import --------------------------------------------------------------------


@dataclass(frozen=True)
class RowError:
    """A problem in an import file. ``row`` counts as a spreadsheet does (the header is row
    1); ``column`` is the heading of the column at fault (empty for the row as a whole)."""

    row: int
    column: str
    message: str

    @property
    def heading(self) -> str:
        """The column's heading in words, as the template has it."""
        return HEADING_OF.get(self.column, self.column)


@dataclass
class ImportRow:
    row: int
    name: str
    areas: list[Area]
    rationale: str
    sro: Contact
    sro_role: str
    leads: dict[str, Contact]  # column prefix → holder, for the lead roles decided
    core_partners: list[Contact]


@dataclass
class ImportReport:
    rows: list[ImportRow] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def is_valid(self) -> bool:
        return not self.errors


class ImportRejected(Exception):
    """The file has problems: nothing was imported."""

    def __init__(self, errors: list[RowError]):
        super().__init__(f"{len(errors)} problem{'s' if len(errors) != 1 else ''} in the file")
        self.errors = errors


def sro_role_help() -> str:
    return ", ".join(f"{entry.key} ({entry.label})" for entry in guidance().sro_roles)


def read_import(data: bytes | str, *, valid_from: dt.date | None = None) -> ImportReport:
    """Check every row of an import file against the register; write nothing."""
    valid_from = valid_from or today()
    report = ImportReport()
    try:
        text = data.decode("utf-8-sig") if isinstance(data, bytes) else data.lstrip("\ufeff")
        records = list(csv.reader(io.StringIO(text, newline="")))
    except UnicodeDecodeError:
        report.errors.append(RowError(1, "", "The file is not UTF-8 text. Save it from your "
                                      "spreadsheet as 'CSV UTF-8 (comma delimited) (.csv)'."))
        return report
    except csv.Error as error:
        report.errors.append(RowError(1, "", f"The file could not be read as CSV ({error}). "
                                      "Save it from your spreadsheet as CSV and try again."))
        return report
    if not records:
        report.errors.append(RowError(1, "", "The file is empty. Start from the template: "
                                      "its first row holds the column headings."))
        return report

    header = [field_of(heading.strip()) for heading in records[0]]
    while header and not header[-1]:  # spreadsheets sometimes save empty columns at the end
        header.pop()
    if not _check_header(header, report):
        return report
    data_rows = [(number, record) for number, record in enumerate(records[1:], start=2)
                 if any(cell.strip() for cell in record)]
    if not data_rows:
        report.errors.append(RowError(2, "", "There are no partnerships in the file: add one "
                                      "row for each partnership under the headings."))
        return report

    checker = _RowChecker(header, [record for _n, record in data_rows], valid_from, report)
    for number, record in data_rows:
        checker.check(number, record)
    if report.errors:
        report.rows = []
    return report


def _check_header(header: list[str], report: ImportReport) -> bool:
    known = set(IMPORT_HEADER)
    headings = ", ".join(IMPORT_HEADINGS)
    seen: set[str] = set()
    for heading in header:
        if not heading:
            report.errors.append(RowError(1, "", "A column has no heading. Give it one of the "
                                          f"headings {headings}, or delete the column."))
        elif heading not in known:
            report.errors.append(RowError(1, heading, f"'{heading}' is not a column of the "
                                          "return. Delete the column or correct its heading: "
                                          f"the headings are {headings}."))
        elif heading in seen:
            report.errors.append(RowError(1, heading, f"There are two columns headed "
                                          f"'{HEADING_OF.get(heading, heading)}'. Delete one "
                                          "of them."))
        seen.add(heading)
    for name in IMPORT_HEADER:
        if name in seen:
            continue
        if name == SRO_ROLE_COLUMN.name:
            report.errors.append(RowError(1, name, "Add a column headed 'SRO role' giving the "
                                          "role each SRO holds, one of: " + sro_role_help()
                                          + "."))
        else:
            report.errors.append(RowError(1, name, f"Add a column headed '{HEADING_OF[name]}' (leave its "
                                          "cells empty where there is nothing to return)."))
    # Rows can still be checked when only the SRO's role column is missing.
    return all(e.column == SRO_ROLE_COLUMN.name for e in report.errors)


class _RowChecker:
    """Checks rows one at a time, remembering what earlier rows claimed."""

    def __init__(self, header: list[str], records: list[list[str]], valid_from: dt.date,
                 report: ImportReport):
        self.header = header
        self.valid_from = valid_from
        self.report = report
        codes = {code for record in records
                 for code in _split_codes(self._cells(record).get("authority_codes", ""))}
        self.areas = {area.code: area for area in
                      Area.objects.filter(code__in=codes).select_related("parent")
                      .prefetch_related("successors")}
        self.covered = {
            coverage.area.code: coverage for coverage in
            rules.clashing_coverage(self.areas.values(), valid_from)
            .select_related("area", "partnership")
        }
        self.names_in_file: dict[str, int] = {}
        self.codes_in_file: dict[str, int] = {}

    def _cells(self, record: list[str]) -> dict[str, str]:
        return {heading: restore(value.strip())
                for heading, value in zip(self.header, record, strict=False)}

    def check(self, number: int, record: list[str]) -> None:
        errors: list[RowError] = []

        def error(column: str, message: str) -> None:
            errors.append(RowError(number, column, message))

        if any(cell.strip() for cell in record[len(self.header):]):
            error("", f"This row has {len(record)} cells but there are {len(self.header)} "
                  "column headings. Delete the cells to the right of the last column.")
        cells = self._cells(record)
        name = self._check_name(cells.get("partnership_name", ""), number, error)
        areas = self._check_authorities(cells.get("authority_codes", ""), number, error)
        sro = self._check_contact(cells, "sro", error, required=True)
        sro_role = self._check_sro_role(cells, sro, error)
        leads = {prefix: contact for prefix in ROLES if prefix != "sro"
                 if (contact := self._check_contact(cells, prefix, error)) is not None}
        core_partners = self._check_core_partners(cells.get("core_partners_agreed", ""), error)

        self.report.errors.extend(errors)
        if not errors:
            self.report.rows.append(ImportRow(
                row=number, name=name, areas=areas,
                rationale=cells.get("footprint_rationale", ""), sro=sro, sro_role=sro_role,
                leads=leads, core_partners=core_partners))

    def _check_name(self, name: str, number: int, error) -> str:
        column = "partnership_name"
        if not name:
            error(column, "Enter the partnership's name.")
        elif len(name) > 200:
            error(column, "The partnership's name must be 200 characters or fewer.")
        elif name.lower() in self.names_in_file:
            error(column, f"Row {self.names_in_file[name.lower()]} has the same name, '{name}'. "
                  "Each partnership needs its own name: correct one of the rows.")
        elif rules.name_in_use(name):
            error(column, f"There is already a partnership called '{name}' in the register. "
                  "Choose another name, or delete this row if it is already registered.")
        if name:
            self.names_in_file.setdefault(name.lower(), number)
        return name

    def _check_authorities(self, value: str, number: int, error) -> list[Area]:
        column = "authority_codes"
        codes = _split_codes(value)
        if not codes:
            error(column, "Enter the GSS code of each upper-tier local authority the "
                  "partnership covers, separated by semicolons, for example "
                  "E08000001;E08000002.")
            return []
        areas = []
        for code in codes:
            area = self.areas.get(code)
            if area is None:
                error(column, f"'{code}' is not the GSS code of an area cdphub knows. Check the "
                      "code: upper-tier local authority codes start E06, E08, E09 or E10.")
                continue
            problem = self._not_a_current_authority(area)
            if problem:
                error(column, problem)
                continue
            if code in self.codes_in_file:
                earlier = self.codes_in_file[code]
                where = "earlier in this row" if earlier == number else f"in row {earlier}"
                error(column, f"{area.name} ({code}) is also listed {where}. An authority can "
                      "be in only one partnership: list it once.")
                continue
            self.codes_in_file[code] = number
            clash = self.covered.get(code)
            if clash is not None:
                error(column, f"{area.name} ({code}) is already covered by "
                      f"{clash.partnership.name}. An authority can be in only one partnership: "
                      "remove it from this row, or ask that partnership to propose removing "
                      "it first.")
                continue
            areas.append(area)
        return areas

    def _not_a_current_authority(self, area: Area) -> str:
        problem = rules.authority_problem(area, self.valid_from)
        if problem in (rules.AuthorityProblem.NOT_UPPER_TIER, rules.AuthorityProblem.NOT_ENGLISH):
            return (f"{area.name} ({area.code}) is a {area.get_area_type_display().lower()}, "
                    "not an English upper-tier local authority. Use the code of the county or "
                    "unitary authority.")
        if problem == rules.AuthorityProblem.NOT_IN_USE:
            successors = ", ".join(f"{s.name} ({s.code})" for s in area.successors.all())
            when = f"{self.valid_from:%-d %B %Y}"
            return (f"{area.name} ({area.code}) is not an upper-tier local authority on {when}"
                    + (f": use the code of the authority in use then ({successors})."
                       if successors else "."))
        return ""

    def _check_contact(self, cells: dict[str, str], prefix: str, error,
                       required: bool = False) -> Contact | None:
        values = {key: cells.get(f"{prefix}_{key}", "") for key in CONTACT_FIELDS}
        who = "the SRO" if prefix == "sro" else f"the {ROLES[prefix].label.lower()}"
        if not any(values.values()):
            if required:
                error(f"{prefix}_name", "Enter the name of the partnership's senior responsible "
                      "owner (SRO): every partnership nominates one, and the return gives "
                      "their name, job title, organisation and email address.")
            return None
        problems = False
        for key, label in CONTACT_FIELDS.items():
            column, value = f"{prefix}_{key}", values[key]
            if not value:
                fix = ("" if required else " or leave all four "
                       f"{ROLES[prefix].label.lower()} columns empty if the role is not decided")
                error(column, f"Enter {who}'s {label}{fix}.")
                problems = True
            elif len(value) > FIELD_LIMITS[key]:
                error(column, f"{who.capitalize()}'s {label} must be {FIELD_LIMITS[key]} "
                      "characters or fewer.")
                problems = True
            elif key == "email" and not _is_email(value):
                error(column, f"Enter {who}'s email address in the correct format, like "
                      "name@example.org.")
                problems = True
        return None if problems else Contact(**values)

    def _check_sro_role(self, cells: dict[str, str], sro: Contact | None, error) -> str:
        column = SRO_ROLE_COLUMN.name
        if column not in self.header or sro is None:
            return ""
        role = cells.get(column, "")
        if not rules.is_expected_sro_role(role):
            given = f"'{role}' is not one of the roles. " if role else ""
            error(column, f"{given}Enter the role the SRO holds, one of: {sro_role_help()}. An "
                  "SRO who holds none of these needs an exception agreed by core members, which "
                  "an import cannot record: register that partnership on the 'Register a "
                  "partnership' page instead.")
        return role

    def _check_core_partners(self, value: str, error) -> list[Contact]:
        column = "core_partners_agreed"
        partners = []
        for index, entry in enumerate((e.strip() for e in value.split(";")), start=1):
            if not entry:
                continue
            parts = [part.strip() for part in entry.split("|")]
            if len(parts) != 3 or not parts[0]:
                error(column, f"Core partner {index} ('{entry}') is not in the form "
                      "'Name | Organisation | email'. Separate the three parts with '|' and "
                      "the partners with ';'.")
            elif len(parts[0]) > 200 or len(parts[1]) > 200:
                error(column, f"Core partner {index} ('{entry}'): names and organisations must "
                      "be 200 characters or fewer.")
            elif parts[2] and not _is_email(parts[2]):
                error(column, f"Core partner {index} ('{entry}'): enter the email address in "
                      "the correct format, like name@example.org.")
            else:
                partners.append(Contact(name=parts[0], organisation=parts[1], email=parts[2]))
        return partners


def _split_codes(value: str) -> list[str]:
    return [code.strip().upper() for code in value.split(";") if code.strip()]


def _is_email(value: str) -> bool:
    try:
        validate_email(value)
    except ValidationError:
        return False
    return True


# --- importing ----------------------------------------------------------------------------


def run_import(data: bytes | str, *, valid_from: dt.date | None = None) -> list[Partnership]:
    """Check and import a file, all or nothing; raises ``ImportRejected`` with the report."""
    valid_from = valid_from or today()
    report = read_import(data, valid_from=valid_from)
    if not report.is_valid:
        raise ImportRejected(report.errors)
    return import_rows(report.rows, valid_from=valid_from)


def import_rows(rows: list[ImportRow], *, valid_from: dt.date) -> list[Partnership]:
    """Create each row's partnership, footprint and people in one transaction. A rule the
    checks above did not foresee (``RegisterError``) undoes every row and is reported against
    the row that broke it."""
    created = []
    with transaction.atomic():
        for row in rows:
            column = ""  # the row as a whole, unless the error names its field
            try:
                partnership = actions.create_partnership(
                    name=row.name, areas=row.areas, valid_from=valid_from,
                    rationale=row.rationale)
                for prefix, contact in [("sro", row.sro), *row.leads.items()]:
                    column = f"{prefix}_name"
                    actions.appoint(
                        partnership=partnership, person=_person(partnership, contact),
                        position=ROLES[prefix], sector=_sector(contact), start_date=valid_from,
                        sro_role=row.sro_role if prefix == "sro" else "")
                column = "core_partners_agreed"
                for contact in row.core_partners:
                    actions.appoint(
                        partnership=partnership, person=_person(partnership, contact),
                        position=Position.CORE_MEMBER, sector=_sector(contact),
                        start_date=valid_from, agreed_proposal=True)
            except actions.RegisterError as error:
                raise ImportRejected([RowError(row.row, _column_for(error.field, column),
                                               error.message)]) from error
            created.append(partnership)
    return created


def _column_for(field_name: str | None, current: str) -> str:
    return {"name": "partnership_name", "authorities": "authority_codes",
            "sro_role": SRO_ROLE_COLUMN.name}.get(field_name or "", current)


def _organisation(name: str) -> Organisation | None:
    if not name:
        return None
    organisation = Organisation.objects.filter(name__iexact=name).first()
    return organisation or Organisation.objects.create(name=name)


def _sector(contact: Contact) -> str:
    """The sector the person represents: their organisation's, where the register knows it.
    (Elected members also need a tier, which the return does not give.)"""
    organisation = Organisation.objects.filter(name__iexact=contact.organisation).first() \
        if contact.organisation else None
    if organisation is None or rules.needs_elected_tier(organisation.sector, elected_tier=""):
        return "other"
    return organisation.sector


def _person(partnership: Partnership, contact: Contact) -> Person:
    """The partnership's person with this email address (the same person named twice in a
    row, say as SRO and a core partner), or a new one. Details already held are kept; blanks
    are filled in from the file. People of other partnerships are never matched."""
    person = Person.objects.filter(partnership=partnership, email__iexact=contact.email) \
        .order_by("pk").first() if contact.email else None
    if person is None:
        return Person.objects.create(partnership=partnership, full_name=contact.name,
                                     job_title=contact.job_title,
                                     organisation=_organisation(contact.organisation),
                                     email=contact.email)
    changed = []
    if not person.job_title and contact.job_title:
        person.job_title = contact.job_title
        changed.append("job_title")
    if person.organisation_id is None and contact.organisation:
        person.organisation = _organisation(contact.organisation)
        changed.append("organisation")
    if changed:
        person.save(update_fields=changed)
    return person
