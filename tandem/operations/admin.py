from django.contrib import admin

from tandem.operations.models import JobSetting, ScheduledRun


@admin.register(JobSetting)
class JobSettingAdmin(admin.ModelAdmin):
    list_display = ("job", "every_seconds", "enabled")


@admin.register(ScheduledRun)
class ScheduledRunAdmin(admin.ModelAdmin):
    list_display = ("job", "slot_start", "enqueued_at", "task_id")
    list_filter = ("job",)
