from django.contrib import admin

from tandem.routing.models import Queue, QueueMember, Region, RoutingPolicy


class MemberInline(admin.TabularInline):
    model = QueueMember
    extra = 1


@admin.register(Queue)
class QueueAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "team")
    inlines = [MemberInline]


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("key", "name", "countries")


@admin.register(RoutingPolicy)
class RoutingPolicyAdmin(admin.ModelAdmin):
    list_display = ("stage", "team", "enabled", "version")
