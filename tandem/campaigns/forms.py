from django import forms

from tandem.accounts.models import Segment
from tandem.campaigns.models import CampaignStatus
from tandem.people.models import User
from tandem.touchpoints.choices import Channel


class CampaignForm(forms.Form):
    """The fields of a campaign as a person plans it; the service validates them again."""

    name = forms.CharField(max_length=200)
    type = forms.CharField(max_length=50, help_text="e.g. webinar, trade fair, paid search, nurture")
    channel = forms.ChoiceField(choices=Channel.choices)
    status = forms.ChoiceField(choices=CampaignStatus.choices)
    marketing_owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False,
                                             label="Marketing owner", empty_label="Nobody yet")
    sales_owner = forms.ModelChoiceField(queryset=User.objects.none(), required=False, label="Sales owner",
                                         empty_label="Nobody yet")
    starts_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    ends_on = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    currency = forms.CharField(max_length=3, initial="EUR")
    budget = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0)
    actual_cost = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0)
    target_segment = forms.ChoiceField(choices=[("", "Any segment"), *Segment.choices], required=False)
    goal_leads = forms.IntegerField(min_value=0, initial=0, label="Goal: leads")
    goal_mqls = forms.IntegerField(min_value=0, initial=0, label="Goal: MQLs")
    goal_pipeline = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0,
                                       label="Goal: pipeline")
    goal_revenue = forms.DecimalField(max_digits=14, decimal_places=2, min_value=0, initial=0,
                                      label="Goal: won revenue")
    utm_campaign = forms.CharField(max_length=200, required=False, label="utm_campaign")
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        active = User.objects.filter(is_active=True).order_by("first_name", "username")
        self.fields["marketing_owner"].queryset = active.filter(team="marketing")
        self.fields["sales_owner"].queryset = active.filter(team="sales")

    def values(self) -> dict:
        data = dict(self.cleaned_data)
        data.pop("version", None)
        for name in ("marketing_owner", "sales_owner"):
            owner = data.pop(name, None)
            data[f"{name}_id"] = owner.pk if owner else None
        return data
