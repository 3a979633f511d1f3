"""The leadership dashboard (领导驾驶舱, issue 14) and the staff's investment targets page."""

from django.contrib import messages
from django.core.paginator import Paginator
from django.http import Http404
from django.shortcuts import redirect, render
from django.views import View

from dashboard.forms import InvestmentTargetForm
from dashboard.models import InvestmentTarget
from dashboard.selectors import TARGET_EDITORS, Scope, cached_dashboard, forget_cached_figures
from renewal.choices import Role
from renewal.models import District
from renewal.permissions import get_visible_or_404
from renewal.services import record_event
from renewal.views import RoleRequiredMixin

# Leaders read it; staff, auditors and administrators may open it too. Entities and departments may not.
DASHBOARD_ROLES = (Role.STAFF, Role.LEADERSHIP, Role.AUDITOR, Role.ADMINISTRATOR)
TARGET_ROLES = TARGET_EDITORS


class BadParameter(ValueError):
    pass


def scope_from(request, params) -> Scope:
    """The scope of the request: `district` (区划代码, a city-level user drilling into one district; a
    district outside the user's scope is 404) and `year`."""
    user = request.user
    scope = Scope(user)
    code = (params.get("district") or "").strip()
    if code:
        allowed = {d.code: d for d in scope.districts()}
        if code not in allowed:
            raise Http404("未找到该区，或您无权查看。")
        if len(allowed) > 1:
            scope.district = allowed[code]
    year = (params.get("year") or "").strip()
    if year:
        if not (year.isascii() and year.isdigit()) or not 2000 <= int(year) <= 2100:
            raise BadParameter("年度应为2000至2100之间的四位数字，如2026。")
        scope.year = int(year)
    return scope


class DashboardView(RoleRequiredMixin, View):
    allowed_roles = DASHBOARD_ROLES

    def get(self, request):
        try:
            scope = scope_from(request, request.GET)
        except BadParameter as exc:
            return render(request, "400.html", {"reason": str(exc)}, status=400)
        figures, computed_at = cached_dashboard(scope)
        by_stage = figures["by_stage"]
        city_level = request.user.is_administrator or request.user.is_city_level
        city = city_level and scope.district is None
        return render(
            request,
            "dashboard/index.html",
            {
                "figures": figures,
                "computed_at": computed_at,
                "scope": scope,
                "city": city,
                "title_place": scope.district.name
                if scope.district
                else ("全市" if city else request.user.district),
                "total": sum(r["count"] for r in by_stage),
                "total_investment": round(sum(r["investment"] for r in by_stage), 2),
                "ledger_url": scope.ledger_url(),
                "district_ranking": sorted(figures["by_district"], key=lambda d: (-d["count"], d["code"])),
                "districts_for_select": District.objects.order_by("code") if city_level else [],
                "years": range(scope.today.year - 3, scope.today.year + 2),
                "may_enter_targets": request.user.effective_role in TARGET_ROLES,
            },
        )


class TargetListView(RoleRequiredMixin, View):
    """Targets of the user's district(s), newest year first, with the form to add one."""

    allowed_roles = TARGET_ROLES
    template = "dashboard/targets.html"

    def get(self, request):
        return self.page(request, InvestmentTargetForm(user=request.user, initial=self.initial(request)))

    def post(self, request):
        form = InvestmentTargetForm(request.POST, user=request.user)
        if form.is_valid():
            save_target(form, request)
            messages.success(request, f"已录入：{form.instance}")
            return redirect("dashboard:targets")
        return self.page(request, form, status=400)

    def initial(self, request):
        from renewal import calendar as workdays

        return {"year": workdays.today().year}

    def page(self, request, form, status=200, editing=None):
        targets = InvestmentTarget.objects.visible_to(request.user).select_related("district")
        page = Paginator(targets, 50).get_page(request.GET.get("page"))
        return render(request, self.template, {"form": form, "page": page, "editing": editing}, status=status)


class TargetEditView(TargetListView):
    def get(self, request, pk):
        target = get_visible_or_404(InvestmentTarget.objects, request.user, pk=pk)
        return self.page(request, InvestmentTargetForm(instance=target, user=request.user), editing=target)

    def post(self, request, pk):
        target = get_visible_or_404(InvestmentTarget.objects, request.user, pk=pk)
        if request.POST.get("delete"):
            record_event(
                actor=request.user,
                action="dashboard.target_delete",
                obj=target,
                reason=str(target),
                request=request,
            )
            target.delete()
            forget_cached_figures()
            messages.success(request, "已删除该目标。")
            return redirect("dashboard:targets")
        form = InvestmentTargetForm(request.POST, instance=target, user=request.user)
        if form.is_valid():
            save_target(form, request)
            messages.success(request, f"已修改：{form.instance}")
            return redirect("dashboard:targets")
        return self.page(request, form, status=400, editing=target)


def save_target(form, request):
    target = form.save(commit=False)
    if not target.created_by_id:
        target.created_by = request.user
    target.save()
    record_event(
        actor=request.user,
        action="dashboard.target_save",
        obj=target,
        reason=str(target),
        data={"amount": str(target.amount), "source_document": target.source_document},
        request=request,
    )
    forget_cached_figures()
    return target
