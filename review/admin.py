"""Admin for the review app: the routing table is edited here; plans, rounds, opinions and publicity are
read-only, because every change of them is a service call with an audit event."""

from django.contrib import admin

from review.models import (
    DepartmentReview,
    ImplementationPlan,
    JointReviewOpinion,
    PlanVersion,
    PublicComment,
    Publicity,
    ReviewRound,
    RoutingRule,
)


@admin.register(RoutingRule)
class RoutingRuleAdmin(admin.ModelAdmin):
    """会签路由: which department reviews which plan fact (联合审查办法 第十二条)."""

    list_display = ["fact", "department_code", "matters", "is_active"]
    list_editable = ["is_active"]
    list_filter = ["is_active", "fact", "department_code"]
    search_fields = ["matters", "basis"]
    fields = ["fact", "department_code", "matters", "basis", "is_active"]


class ReadOnlyAdmin(admin.ModelAdmin):
    """Viewable by administrators; no add, change or delete."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ImplementationPlan)
class ImplementationPlanAdmin(ReadOnlyAdmin):
    list_display = ["project", "state", "current_version", "major_project", "city_approved_on", "updated_at"]
    list_filter = ["state", "major_project", "project__district"]
    list_select_related = ["project"]
    search_fields = ["project__name", "project__code"]


@admin.register(PlanVersion)
class PlanVersionAdmin(ReadOnlyAdmin):
    list_display = ["plan", "number", "submitted_by", "submitted_at"]
    list_filter = ["plan__project__district"]
    list_select_related = ["plan__project", "submitted_by"]
    search_fields = ["plan__project__name"]


@admin.register(ReviewRound)
class ReviewRoundAdmin(ReadOnlyAdmin):
    list_display = ["plan", "number", "version", "started_at", "completed_at", "outcome"]
    list_filter = ["outcome", "plan__project__district"]
    list_select_related = ["plan__project"]
    search_fields = ["plan__project__name"]


@admin.register(DepartmentReview)
class DepartmentReviewAdmin(ReadOnlyAdmin):
    list_display = [
        "review_round",
        "plan_name",
        "department",
        "decision",
        "decided_at",
        "carried_over",
        "change_confirmed_at",
        "is_active",
    ]
    list_filter = ["decision", "carried_over", "is_active", "department__district"]
    list_select_related = ["review_round__plan__project", "department"]
    search_fields = ["review_round__plan__project__name", "department__name"]

    @admin.display(description="实施方案")
    def plan_name(self, obj):
        return obj.review_round.plan.project.name


@admin.register(JointReviewOpinion)
class JointReviewOpinionAdmin(ReadOnlyAdmin):
    list_display = ["number", "plan", "district", "issued_on", "issued_by"]
    list_filter = ["district", "year"]
    list_select_related = ["plan__project", "district", "issued_by"]
    search_fields = ["number", "plan__project__name"]


@admin.register(Publicity)
class PublicityAdmin(ReadOnlyAdmin):
    list_display = ["plan", "published_on", "starts_at", "ends_at", "workdays", "state", "provisional"]
    list_filter = ["state", "provisional", "plan__project__district"]
    list_select_related = ["plan__project"]
    search_fields = ["plan__project__name"]


@admin.register(PublicComment)
class PublicCommentAdmin(ReadOnlyAdmin):
    # Contact details stay out of the list; the detail view shows them to the administrator only.
    list_display = ["pk", "publicity", "kind", "submitted_at", "moderation", "outcome", "responded_at"]
    list_filter = ["kind", "moderation", "outcome"]
    list_select_related = ["publicity__plan__project"]
    exclude = ["client_fingerprint"]
