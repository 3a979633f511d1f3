"""Admin of the project library's reference data (DOMAIN.md §2: the catalogue is data, editable by the
administrator), the per-district wording of its documents (issue 10 item 8) and the city-plan batches."""

from django.contrib import admin

from projects.models import Category, CityPlanBatch, DistrictLibrarySettings, SubType


class SubTypeInline(admin.TabularInline):
    model = SubType
    extra = 0
    fields = ("name", "lead_department", "order", "is_active")


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "order")
    ordering = ("order", "pk")
    inlines = [SubTypeInline]

    def has_delete_permission(self, request, obj=None):
        """Projects point at categories (PROTECT); a category is retired by deactivating its sub-types."""
        return False


@admin.register(SubType)
class SubTypeAdmin(admin.ModelAdmin):
    list_display = ("name", "category", "lead_department", "order", "is_active")
    list_filter = ("category", "lead_department", "is_active")
    search_fields = ("name",)
    list_editable = ("lead_department", "order", "is_active")

    def has_delete_permission(self, request, obj=None):
        """A sub-type in use is deactivated (启用 off), never deleted: projects keep their catalogue."""
        return False


@admin.register(DistrictLibrarySettings)
class DistrictLibrarySettingsAdmin(admin.ModelAdmin):
    list_display = ("district", "admission_basis", "notice_number_format", "opinion_number_format")
    list_select_related = ("district",)


@admin.register(CityPlanBatch)
class CityPlanBatchAdmin(admin.ModelAdmin):
    list_display = ("name", "document_number", "approved_on", "approving_body")
    search_fields = ("name", "document_number")
    readonly_fields = ("created_by", "created_at")
