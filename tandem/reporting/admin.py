from django.contrib import admin

from tandem.reporting.models import OverheadCost, PackDelivery, ReportSchedule, RollupFill, SegmentAssumption


@admin.register(OverheadCost)
class OverheadCostAdmin(admin.ModelAdmin):
    list_display = ("starts_on", "ends_on", "amount", "currency", "note")


@admin.register(SegmentAssumption)
class SegmentAssumptionAdmin(admin.ModelAdmin):
    list_display = ("segment", "gross_margin", "annual_churn", "contract_years")


@admin.register(ReportSchedule)
class ReportScheduleAdmin(admin.ModelAdmin):
    list_display = ("kind", "enabled", "weekday", "day_of_month", "hour_utc", "teams")


@admin.register(PackDelivery)
class PackDeliveryAdmin(admin.ModelAdmin):
    list_display = ("kind", "period", "segment", "status", "created_at", "sent_at")
    readonly_fields = [f.name for f in PackDelivery._meta.fields]


@admin.register(RollupFill)
class RollupFillAdmin(admin.ModelAdmin):
    list_display = ("name", "status", "generation", "runs", "event_id", "finished_at", "last_seconds")
    readonly_fields = [f.name for f in RollupFill._meta.fields]
