from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tandem.people.models import ApiToken, User


@admin.register(User)
class TandemUserAdmin(UserAdmin):
    list_display = ("username", "first_name", "last_name", "team", "role", "out_of_office", "is_active")
    list_filter = ("team", "role", "is_active", "out_of_office")
    fieldsets = UserAdmin.fieldsets + (("Tandem", {"fields": ("team", "role", "manager", "out_of_office")}),)


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ("name", "prefix", "user", "scope", "created_at", "last_used_at", "revoked_at")
    readonly_fields = ("prefix", "digest", "created_at", "last_used_at")
