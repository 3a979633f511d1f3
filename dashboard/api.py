"""`GET /api/v1/dashboard/`: the dashboard's figures for the city's big screen, scoped like the page."""

from django.utils.http import http_date
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.response import Response
from rest_framework.views import APIView

from dashboard.selectors import cached_dashboard
from dashboard.views import DASHBOARD_ROLES, BadParameter, scope_from
from renewal.api.permissions import HasRole


class FigureSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    investment = serializers.FloatField(help_text="总投资（亿元，两位小数）")
    url = serializers.CharField(allow_null=True, help_text="同口径的台账链接；台账无此筛选时为 null")


class CategoryFigureSerializer(FigureSerializer):
    sub_types = FigureSerializer(many=True)


class DistrictFigureSerializer(FigureSerializer):
    district_id = serializers.IntegerField()
    target = serializers.FloatField(allow_null=True, help_text="本年度全区投资目标（亿元）")
    completed = serializers.FloatField(help_text="本年度已完成投资（亿元）")
    percent = serializers.IntegerField(allow_null=True, help_text="完成率，整数百分比，四舍五入")
    overdue = serializers.IntegerField(help_text="逾期未办结期限数")
    dashboard_url = serializers.CharField()


class LibrarySerializer(serializers.Serializer):
    items = FigureSerializer(many=True, help_text="储备项目库、实施项目库（及已出库）")
    reported_to_city = FigureSerializer(allow_null=True, help_text="上报市级")
    city_plan_batches = FigureSerializer(many=True, help_text="纳入城市更新计划，按批次")


class SplitSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    target = serializers.FloatField(allow_null=True)
    completed = serializers.FloatField()
    percent = serializers.IntegerField(allow_null=True)
    percent_precise = serializers.FloatField(allow_null=True)
    url = serializers.CharField(allow_null=True)


class MonthSerializer(serializers.Serializer):
    month = serializers.CharField(help_text="YYYY-MM")
    completed = serializers.FloatField()
    cumulative = serializers.FloatField(allow_null=True, help_text="累计完成；未到的月份为 null")


class InvestmentSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    unit = serializers.CharField()
    target = serializers.FloatField(allow_null=True)
    completed = serializers.FloatField()
    percent = serializers.IntegerField(allow_null=True, help_text="如 129（88.83/69，四舍五入到整数）")
    percent_precise = serializers.FloatField(allow_null=True, help_text="如 128.7")
    next_year = serializers.IntegerField()
    next_year_target = serializers.FloatField(allow_null=True)
    growth_percent = serializers.FloatField(allow_null=True, help_text="下年度目标较本年度目标增长，如 28.99")
    growth_label = serializers.CharField(help_text="如 +28.99%")
    sources = serializers.ListField(child=serializers.CharField())
    reports_available = serializers.BooleanField()
    completed_url = serializers.CharField(allow_null=True, help_text="月度投资填报所在的列表")
    target_url = serializers.CharField(allow_null=True, help_text="投资目标录入页（仅工作人员）")
    by_department = SplitSerializer(many=True)
    by_locality = SplitSerializer(many=True)
    monthly = MonthSerializer(many=True)


class OverdueOrganizationSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    max_workdays_overdue = serializers.IntegerField(help_text="最久一项逾期的工作日数")
    url = serializers.CharField()
    rank = serializers.IntegerField()


class LateOrganizationSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    count = serializers.IntegerField()
    total_workdays_late = serializers.IntegerField()
    url = serializers.CharField()


class LateSerializer(serializers.Serializer):
    year = serializers.IntegerField()
    count = serializers.IntegerField()
    url = serializers.CharField()
    by_organization = LateOrganizationSerializer(many=True)


class OverdueSerializer(serializers.Serializer):
    count = serializers.IntegerField()
    url = serializers.CharField()
    by_organization = OverdueOrganizationSerializer(many=True, help_text="按逾期数排名")
    late_this_year = LateSerializer()


class PublicityItemSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    label = serializers.CharField()
    ends = serializers.DateField(allow_null=True)
    url = serializers.CharField()


class PublicitySerializer(serializers.Serializer):
    count = serializers.IntegerField()
    investment = serializers.FloatField()
    url = serializers.CharField()
    items = PublicityItemSerializer(many=True)


class TrendSeriesSerializer(serializers.Serializer):
    code = serializers.CharField()
    label = serializers.CharField()
    counts = serializers.ListField(child=serializers.IntegerField())
    urls = serializers.ListField(child=serializers.CharField(allow_null=True))


class TrendSerializer(serializers.Serializer):
    months = serializers.ListField(child=serializers.CharField())
    series = TrendSeriesSerializer(many=True)


class DashboardSerializer(serializers.Serializer):
    by_stage = FigureSerializer(many=True)
    by_category = CategoryFigureSerializer(many=True)
    by_district = DistrictFigureSerializer(many=True)
    library = LibrarySerializer()
    investment = InvestmentSerializer()
    overdue = OverdueSerializer()
    under_publicity = PublicitySerializer()
    monthly_trend = TrendSerializer()


class DashboardApiView(APIView):
    """The leadership dashboard's figures for the caller's scope (a city-level leader: all districts)."""

    permission_classes = [HasRole]
    allowed_roles = DASHBOARD_ROLES

    @extend_schema(
        operation_id="dashboard_retrieve",
        parameters=[
            OpenApiParameter("district", str, description="区划代码（市级用户查看某一区），如 110108"),
            OpenApiParameter("year", int, description="年度，默认本年"),
        ],
        # A district code that does not exist or is outside the caller's scope answers 404 (issue 9: every
        # answer documented).
        responses={200: DashboardSerializer, 404: OpenApiResponse(description="未找到该区，或您无权查看")},
    )
    def get(self, request):
        try:
            scope = scope_from(request, request.query_params)
        except BadParameter as exc:
            raise ValidationError({"year": [str(exc)]}) from exc
        figures, computed_at = cached_dashboard(scope)
        # When the figures were computed (they may be up to a minute old, dashboard.selectors.cached_dashboard).
        return Response(figures, headers={"Last-Modified": http_date(computed_at.timestamp())})
