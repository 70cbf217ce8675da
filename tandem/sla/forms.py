from django import forms


class ActForm(forms.Form):
    action = forms.ChoiceField(choices=[(a, a) for a in ("accept", "reject", "disqualify", "advance")])
    version = forms.IntegerField(min_value=1)
    reason_code = forms.CharField(max_length=50, required=False)
    to_stage = forms.CharField(max_length=40, required=False)


class CommitmentForm(forms.Form):
    month = forms.RegexField(regex=r"^\d{4}-\d{2}$", help_text="YYYY-MM")
    segment = forms.ChoiceField(choices=[("", "All segments"), ("smb", "SMB"), ("mid", "Mid-market"),
                                         ("enterprise", "Enterprise")], required=False)
    target_mqls = forms.IntegerField(min_value=0, label="MQLs")
    min_acceptance_rate = forms.DecimalField(min_value=0, max_value=100, decimal_places=1, initial=50,
                                             label="Acceptance ≥ (%)")
