from django.contrib import admin

from supervision.models import ProgressEntry, SupervisionImport, SupervisionList, SupervisionTask, TaskUnit


class TaskUnitInline(admin.TabularInline):
    model = TaskUnit
    extra = 0
    autocomplete_fields = ["organization"]


@admin.register(SupervisionList)
class SupervisionListAdmin(admin.ModelAdmin):
    list_display = ["title", "year", "district", "source_document"]
    list_filter = ["year", "district"]
    search_fields = ["title"]


@admin.register(SupervisionTask)
class SupervisionTaskAdmin(admin.ModelAdmin):
    list_display = ["supervision_list", "number", "source", "due_date", "state"]
    list_filter = ["state", "source_type", "district"]
    search_fields = ["content", "source"]
    inlines = [TaskUnitInline]
    raw_id_fields = ["projects"]
    # State and deadlines move only through the workflow table (supervision.services).
    readonly_fields = ["state", "round_requested_on", "origin"]


@admin.register(ProgressEntry)
class ProgressEntryAdmin(admin.ModelAdmin):
    list_display = ["task", "date", "organization", "author"]
    search_fields = ["text"]


@admin.register(SupervisionImport)
class SupervisionImportAdmin(admin.ModelAdmin):
    list_display = ["original_name", "district", "uploaded_by", "uploaded_at", "committed_at"]
