from django.contrib import admin

from dashboard.models import InvestmentTarget


@admin.register(InvestmentTarget)
class InvestmentTargetAdmin(admin.ModelAdmin):
    list_display = ("year", "district", "lead_department", "locality", "amount", "source_document")
    list_filter = ("year", "district", "lead_department")
    search_fields = ("source_document", "locality", "note")
    readonly_fields = ("created_by", "updated_at")

    def save_model(self, request, obj, form, change):
        if not obj.created_by_id:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
