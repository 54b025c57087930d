"""The form for writing one section of a needs assessment."""

from __future__ import annotations

from django import forms

from cdphub.core.forms import GovukForm
from cdphub.framework import AssessmentSection


class SectionForm(GovukForm):
    """The section's narrative. It may be left empty (a section not written yet); the hint is
    the section's prompt from the guidance."""

    text = forms.CharField(label="What the assessment says", required=False,
                           widget=forms.Textarea(attrs={"rows": 14}))

    def __init__(self, *args, section: AssessmentSection, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["text"].help_text = section.prompt
