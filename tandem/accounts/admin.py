from django.contrib import admin

from tandem.accounts.models import Account


@admin.register(Account)
class AccountAdmin(admin.ModelAdmin):
    list_display = ("name", "domain", "industry", "employees", "segment", "country", "owner")
    search_fields = ("name", "domain")
    list_filter = ("segment", "country")
    readonly_fields = ("version", "created_at", "updated_at")
