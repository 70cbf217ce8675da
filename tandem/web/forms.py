from django import forms

from tandem.people.choices import TokenScope


class MoveForm(forms.Form):
    to_stage = forms.CharField(max_length=40)
    version = forms.IntegerField(min_value=1)
    reason_code = forms.CharField(max_length=50, required=False)
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}), max_length=5000)


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=20000)


class TokenForm(forms.Form):
    name = forms.CharField(max_length=100)
    scope = forms.ChoiceField(choices=TokenScope.choices)


class LeadFilterForm(forms.Form):
    q = forms.CharField(required=False, label="Search")
    stage = forms.CharField(required=False)
    country = forms.CharField(required=False, max_length=2)
    source = forms.CharField(required=False)
    origin = forms.CharField(required=False)
    mine = forms.BooleanField(required=False, label="Mine only")
    cursor = forms.CharField(required=False)
