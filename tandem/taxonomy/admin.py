"""Editing the taxonomy in the admin: you edit a copy of the current YAML; saving publishes a new version."""

from __future__ import annotations

from django import forms
from django.contrib import admin

from tandem.core.taxonomy import TaxonomyInvalid
from tandem.taxonomy import selectors, services
from tandem.taxonomy.models import TaxonomyVersion


class NewVersionForm(forms.ModelForm):
    text = forms.CharField(widget=forms.Textarea(attrs={"rows": 40, "cols": 110, "style": "font-family: monospace"}),
                           help_text="The whole taxonomy as YAML. Saving validates it and publishes the next version.")

    class Meta:
        model = TaxonomyVersion
        fields = ["note"]

    def clean_text(self) -> dict:
        try:
            document = services.taxonomy_document_load(self.cleaned_data["text"])
            from tandem.core.taxonomy import parse_taxonomy

            parse_taxonomy(document)
        except TaxonomyInvalid as exc:
            raise forms.ValidationError(exc.problems) from exc
        return document


@admin.register(TaxonomyVersion)
class TaxonomyVersionAdmin(admin.ModelAdmin):
    list_display = ("number", "created_at", "created_by", "note")
    readonly_fields = ("number", "created_at", "created_by", "note", "summary", "diff", "document")

    def has_change_permission(self, request, obj=None) -> bool:
        return False  # versions are immutable; add a new one instead

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = NewVersionForm
        return super().get_form(request, obj, change=change, **kwargs)

    def get_changeform_initial_data(self, request) -> dict:
        current = selectors.taxonomy_version_current()
        return {"text": services.taxonomy_document_dump(current.document)}

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj else ()

    def save_model(self, request, obj, form, change) -> None:
        version = services.taxonomy_publish(document=form.cleaned_data["text"], by=request.user,
                                            note=form.cleaned_data.get("note", ""))
        obj.pk = version.pk
        obj.number = version.number
