from django import forms

from tandem.imports.choices import ImportKind
from tandem.imports.presets import PRESET_LABELS, PRESET_NAMES


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file")
    kind = forms.ChoiceField(choices=ImportKind.choices, label="What the file holds")
    preset = forms.ChoiceField(choices=[("", "None: columns named like Tandem's fields"),
                                        *[(p, PRESET_LABELS[p] + " export") for p in PRESET_NAMES]],
                               required=False, label="Exported from")
    timezone = forms.CharField(required=False, max_length=64, label="Time zone of times without an offset",
                               widget=forms.TextInput(attrs={"placeholder": "e.g. Europe/Berlin"}))
    mapping = forms.CharField(required=False, label="Column mapping (JSON, optional)",
                              widget=forms.Textarea(attrs={"rows": 3, "placeholder": '{"E-Mail": "email", '
                                                                                     '"Notes": null}'}))
