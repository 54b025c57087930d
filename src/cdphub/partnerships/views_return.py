"""The return to central government (Appendix 1): one partnership's page and downloads, the
national register export, and bulk onboarding from a CSV file."""

from __future__ import annotations

import datetime as dt

from django import forms
from django.core.validators import FileExtensionValidator
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse

from cdphub.accounts.audit import record
from cdphub.accounts.models import AuditEvent
from cdphub.core.access import access
from cdphub.core.clock import today
from cdphub.core.downloads import CONTENT_TYPES, download
from cdphub.core.forms import DateField, GovukForm
from cdphub.framework import guidance

from . import returns
from .models import Partnership
from .status import visible_to
from .views import _context, _partnership

MAX_IMPORT_BYTES = 5 * 1024 * 1024


def _download(request, rows: list[dict[str, str]], file_format: str, filename: str,
              on: dt.date, page: str) -> HttpResponse:
    content = (returns.to_csv(rows) if file_format == "csv"
               else returns.to_xlsx(rows, on, url=request.build_absolute_uri(page)))
    return download(content, CONTENT_TYPES[file_format], filename)


# --- one partnership ----------------------------------------------------------------------


@access("partnerships.view_partnership", load=_partnership)
def partnership_return(request, partnership: Partnership, slug: str):
    return render(request, "partnerships/return/partnership.html", _context(
        request, partnership, "return", appendix=returns.build_return(partnership, today())))


def _export_one(request, partnership: Partnership, file_format: str) -> HttpResponse:
    on = today()
    rows = [returns.build_return(partnership, on).as_row()]
    record(AuditEvent.Kind.EXPORT, request=request, partnership_id=partnership.pk,
           target=f"Appendix 1 return for {partnership.name} ({file_format.upper()})",
           format=file_format, partnerships=1)
    filename = f"{partnership.slug}-appendix-1-return-{on:%Y-%m-%d}.{file_format}"
    return _download(request, rows, file_format, filename, on,
                     reverse("partnerships:return", args=[partnership.slug]))


@access("partnerships.view_partnership", load=_partnership)
def partnership_return_csv(request, partnership: Partnership, slug: str):
    return _export_one(request, partnership, "csv")


@access("partnerships.view_partnership", load=_partnership)
def partnership_return_xlsx(request, partnership: Partnership, slug: str):
    return _export_one(request, partnership, "xlsx")


# --- the national register ----------------------------------------------------------------


def _register(request):
    return visible_to(Partnership.objects.all(), request.user)


@access("partnerships.export_national_register")
def register_export(request):
    return render(request, "partnerships/return/register_export.html", {
        "count": _register(request).count(),
        "columns": returns.COLUMNS,
        "can_import": request.user.has_perm("partnerships.add_partnership"),
        "today": today(),
    })


def _export_register(request, file_format: str) -> HttpResponse:
    on = today()
    rows = returns.build_rows(_register(request), on)
    record(AuditEvent.Kind.EXPORT, request=request,
           target=f"Appendix 1 returns for every partnership ({file_format.upper()})",
           format=file_format, partnerships=len(rows))
    filename = f"cdp-register-appendix-1-{on:%Y-%m-%d}.{file_format}"
    return _download(request, rows, file_format, filename, on,
                     reverse("partnerships:register-export"))


@access("partnerships.export_national_register")
def register_csv(request):
    return _export_register(request, "csv")


@access("partnerships.export_national_register")
def register_xlsx(request):
    return _export_register(request, "xlsx")


# --- bulk onboarding ----------------------------------------------------------------------


class RegisterImportForm(GovukForm):
    file = forms.FileField(
        label="Upload a CSV file",
        help_text="One row for each partnership, with the columns of the template. The file "
        "must be a CSV smaller than 5MB.",
        validators=[FileExtensionValidator(["csv"], message="The selected file must be a CSV.")],
        error_messages={"required": "Select a CSV file.",
                        "empty": "The selected file is empty."},
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )
    valid_from = DateField(
        label="Footprints and roles start on", required=False,
        help_text="Leave empty for today. For example, 1 8 2022.")

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 5MB.")
        return upload


@access("partnerships.add_partnership")
def register_import(request):
    form = RegisterImportForm(data=request.POST or None, files=request.FILES or None)
    problems: list[returns.RowError] = []
    filename = ""
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        filename = upload.name
        try:
            created = returns.run_import(upload.read(),
                                         valid_from=form.cleaned_data["valid_from"] or today())
        except returns.ImportRejected as rejected:
            problems = rejected.errors
            count = len(problems)
            form.add_error("file", f"The file has {count} problem{'s' if count != 1 else ''}. "
                           "Nothing was imported: correct the file and upload it again.")
        else:
            return render(request, "partnerships/return/register_import_done.html",
                          {"created": created, "filename": filename})
    return render(request, "partnerships/return/register_import.html", {
        "form": form, "problems": problems, "filename": filename,
        "sro_roles": guidance().sro_roles,
    })


@access("partnerships.add_partnership")
def register_template(request):
    return download(returns.template_csv(), CONTENT_TYPES["csv"],
                    "cdp-register-import-template.csv")
