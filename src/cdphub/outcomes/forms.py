"""Forms for loading and withdrawing metric data."""

from __future__ import annotations

from django import forms
from django.core.validators import FileExtensionValidator
from django.db.models import Q

from cdphub.accounts.models import LEAD_ROLES
from cdphub.accounts.roles import is_central, partnership_ids
from cdphub.core.forms import GovukForm, GovukModelForm
from cdphub.framework.outcomes import METHOD_LABELS, PERIOD_TYPE_LABELS
from cdphub.partnerships.models import Partnership

from .loading import sniff_format
from .models import DataLoad, Metric

MAX_LOAD_BYTES = 100 * 1024 * 1024
NATIONAL = ""
DETECT = "detect"


class LoadForm(GovukForm):
    file = forms.FileField(
        label="Upload a file",
        help_text="A CSV file or an Excel workbook (.xlsx, first sheet), up to 100MB.",
        validators=[FileExtensionValidator(
            ["csv", "xlsx"], message="The selected file must be a CSV or an Excel workbook "
            "(.xlsx).")],
        error_messages={"required": "Select a CSV or XLSX file.",
                        "empty": "The selected file is empty."},
        widget=forms.ClearableFileInput(attrs={
            "accept": ".csv,.xlsx,text/csv,"
                      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}),
    )
    format = forms.ChoiceField(
        label="Format (optional)", required=False, widget=forms.RadioSelect,
        choices=[(DETECT, "Work it out from the file's header row (recommended)"),
                 *DataLoad.Format.choices],
        help_text="If you leave this unanswered, cdphub tells the format from the header row, "
        "as the cdphub load command does: a Fingertips export has Indicator ID, Time period "
        "and Area code columns; a record-level file has a date column and no numerator; "
        "anything else is read as the cdphub long format. Choose a format only to override "
        "that.",
    )
    metric = forms.ModelChoiceField(
        label="Metric (optional)", queryset=Metric.objects.none(), required=False,
        empty_label="The file has a metric column",
        help_text="Needed for a Fingertips export. For the other formats, choose one only if "
        "the file has no metric column.",
    )
    partnership = forms.ChoiceField(
        label="Whose data is it?", required=False,
        error_messages={"required": "Choose the partnership the data is for.",
                        "invalid_choice": "Choose one of your partnerships."})
    is_synthetic = forms.BooleanField(
        label="This is synthetic (made-up) data, for demonstrations and testing",
        required=False)
    notes = forms.CharField(label="Notes (optional)", required=False, max_length=2000,
                            widget=forms.Textarea(attrs={"rows": 3}),
                            help_text="For example, where the figures came from.")

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.central = is_central(user)
        if self.central:
            partnerships = Partnership.objects.order_by("name")
            choices = [(NATIONAL, "National data (no partnership)")]
            self.fields["partnership"].help_text = (
                "National data can hold any metric; a partnership's data only its own local "
                "metrics.")
            metrics = Metric.objects.all()
        else:
            own = partnership_ids(user, LEAD_ROLES)
            partnerships = Partnership.objects.filter(pk__in=own).order_by("name")
            choices = []
            self.fields["partnership"].required = True
            self.fields["partnership"].help_text = (
                "A partnership's data can hold only its own local metrics.")
            metrics = Metric.objects.filter(Q(partnership_id__in=own))
        self.fields["partnership"].choices = choices + [(p.slug, p.name) for p in partnerships]
        if not self.central and len(self.fields["partnership"].choices) == 1:
            self.fields["partnership"].initial = self.fields["partnership"].choices[0][0]
        self.fields["metric"].queryset = metrics.order_by("order", "name")
        self.fields["metric"].label_from_instance = lambda m: f"{m.name} ({m.key})"

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_LOAD_BYTES:
            raise forms.ValidationError("The selected file must be smaller than 100MB.")
        return upload

    def clean_partnership(self):
        slug = self.cleaned_data.get("partnership") or NATIONAL
        if slug == NATIONAL:
            if not self.user.has_perm("outcomes.load_national_data"):
                raise forms.ValidationError("Choose the partnership the data is for.")
            return None
        partnership = Partnership.objects.filter(slug=slug).first()
        if partnership is None or not self.user.has_perm("outcomes.load_partnership_data",
                                                         partnership):
            raise forms.ValidationError("Choose one of your partnerships.")
        return partnership

    def clean(self):
        data = super().clean()
        metric, partnership = data.get("metric"), data.get("partnership")
        upload = data.get("file")
        data["format_detected"] = data.get("format") in ("", DETECT)
        if data["format_detected"]:
            # The same detection as the cdphub load command (loading.sniff_format).
            data["format"] = sniff_format(upload, upload.name) if upload else ""
        if data.get("format") == DataLoad.Format.FINGERTIPS and metric is None:
            found = ("This file is a Fingertips export (from its header row). "
                     if data["format_detected"] else "")
            self.add_error("metric", f"{found}Choose the metric this Fingertips export is "
                           "for.")
        if metric is not None and partnership is not None and \
                metric.partnership_id != partnership.pk:
            self.add_error("metric", f"Choose one of {partnership.name}'s local metrics: a "
                           "partnership's data can hold only its own local metrics.")
        return data


class WithdrawForm(GovukForm):
    reason = forms.CharField(
        label="Why are you withdrawing this load?", max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="This is shown with the load. Its figures stop being used, and any figures "
        "it had replaced are used again.",
        error_messages={"required": "Enter why you are withdrawing this load."},
    )


class LocalMetricForm(GovukModelForm):
    """A metric a partnership defines for its own local performance framework."""

    class Meta:
        model = Metric
        fields = ["name", "outcome", "definition", "source", "geography", "frequency",
                  "period_type", "unit", "multiplier", "method", "polarity"]
        labels = {"name": "Name of the metric",
                  "outcome": "Outcome it measures",
                  "geography": "Geography the figures are for",
                  "period_type": "Kind of period",
                  "method": "How the figures are worked out",
                  "polarity": "Is a higher value better?"}
        error_messages = {"polarity": {"required": "Select whether a higher value is better."},
                          "method": {"required": "Select how the figures are worked out."}}
        help_texts = {
            "definition": "What is counted, and over what population.",
            "multiplier": "For rates: per how many (for example 100000). 1 for counts; 100 "
                          "for percentages.",
        }
        widgets = {"definition": forms.Textarea(attrs={"rows": 3}),
                   "outcome": forms.RadioSelect, "method": forms.RadioSelect,
                   "polarity": forms.RadioSelect}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["geography"].choices = [("utla", "Upper-tier local authority"),
                                            ("pfa", "Police force area")]
        self.fields["polarity"].choices = [("high", "Yes, higher is better"),
                                           ("low", "No, lower is better"),
                                           ("none", "Neither: no judgement")]
        self.fields["frequency"].help_text = "For example quarterly or annual."
        self.fields["period_type"].choices = [("", "Choose a kind of period"),
                                              *PERIOD_TYPE_LABELS.items()]
        self.fields["method"].choices = list(METHOD_LABELS.items())
