"""Pages of the job kernel and the inbox: my background jobs (/jobs/), a job's live progress, its download,
and my notifications (/inbox/). Rules live in renewal/jobs.py and renewal/notifications.py."""

from django.contrib import messages
from django.core.exceptions import BadRequest
from django.core.paginator import Paginator
from django.http import FileResponse, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views import View

from renewal import jobs
from renewal import notifications as notices
from renewal.choices import JobStatus
from renewal.models import Job, Notification
from renewal.permissions import get_visible_or_404
from renewal.views import RoleRequiredMixin
from renewal.workflow import TransitionRefused

PAGE_SIZE = 20


def _query_without_page(request) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


class JobListView(RoleRequiredMixin, View):
    """我的后台任务: filter by status and kind, newest first, paginated."""

    def get(self, request):
        queryset = Job.objects.visible_to(request.user).select_related("created_by")
        status = request.GET.get("status", "")
        kind = request.GET.get("kind", "")
        if status in JobStatus.values:
            queryset = queryset.filter(status=status)
        else:
            status = ""
        if kind:
            queryset = queryset.filter(kind=kind)
        mine = request.GET.get("mine", "") == "1"
        if mine:
            queryset = queryset.filter(created_by=request.user)
        page = Paginator(queryset.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "renewal/jobs_list.html",
            {
                "page": page,
                "status": status,
                "statuses": JobStatus.choices,
                "kind": kind,
                "kinds": jobs.kind_choices(),
                "mine": mine,
                "sees_all": request.user.is_administrator,
            },
        )


class JobDetailView(RoleRequiredMixin, View):
    """A job's page; htmx asks for the progress fragment every 2 s while it is queued or running.
    POST retries a failed job (the `retry` transition of the job workflow)."""

    def _job(self, request, pk):
        return get_visible_or_404(Job.objects.select_related("created_by"), request.user, pk=pk)

    def _context(self, request, job):
        retry = next(row for row in jobs.JOB.available_for(request.user, job) if row.action == "retry")
        return {"job": job, "retry": retry, "polling": not job.is_finished}

    def _page(self, request, job, status=200):
        context = {**self._context(request, job), "parameters": jobs.described_parameters(job)}
        return render(request, "renewal/jobs_detail.html", context, status=status)

    def get(self, request, pk):
        job = self._job(request, pk)
        if request.headers.get("HX-Request"):  # the progress every 2 s: not the parameters
            return render(request, "renewal/jobs_progress.html", self._context(request, job))
        return self._page(request, job)

    def post(self, request, pk):
        job = self._job(request, pk)
        try:
            jobs.retry_job(job, user=request.user)
        except TransitionRefused as refused:
            messages.error(request, refused.message)
            return self._page(request, job, status=409)
        messages.success(request, "任务已重新排队，完成后将通知您。")
        return redirect("job_detail", pk=job.pk)


class JobDownloadView(RoleRequiredMixin, View):
    """The result file, only when the job is done and only to who may see the job; every download logged."""

    def get(self, request, pk):
        job = get_visible_or_404(Job.objects.all(), request.user, pk=pk)
        try:
            handle = jobs.open_result(job, user=request.user, request=request)
        except jobs.ResultNotReady as not_ready:
            if request.headers.get("Accept", "").startswith("application/json"):
                return HttpResponse(str(not_ready), status=409, content_type="text/plain; charset=utf-8")
            messages.error(request, str(not_ready))
            return JobDetailView()._page(request, job, status=409)
        return FileResponse(handle, as_attachment=True, filename=job.result_name or f"job-{job.pk}")


class InboxView(RoleRequiredMixin, View):
    """消息通知: my notifications (unread first by filter), mark one or all read, e-mail on/off."""

    def get(self, request):
        queryset = Notification.objects.visible_to(request.user)
        show = request.GET.get("show", "")
        if show == "unread":
            queryset = queryset.unread()
        elif show == "read":
            queryset = queryset.filter(read_at__isnull=False)
        else:
            show = ""
        page = Paginator(queryset.order_by("-created_at", "-pk"), PAGE_SIZE).get_page(request.GET.get("page"))
        return render(
            request,
            "renewal/inbox.html",
            {
                "page": page,
                "show": show,
                "shows": [("", "全部"), ("unread", "未读"), ("read", "已读")],
                "email_enabled": notices.email_enabled(request.user),
                "has_email": bool(request.user.email),
            },
        )

    def post(self, request):
        action = request.POST.get("action", "")
        if action == "read_all":
            count = notices.mark_read(request.user)
            messages.success(request, f"已将{count}条通知标为已读。")
        elif action == "read":
            try:
                pk = int(request.POST.get("notification", ""))
            except ValueError:
                messages.error(request, "请选择要标为已读的通知。")
                return redirect("inbox")
            get_visible_or_404(Notification.objects.all(), request.user, pk=pk)
            notices.mark_read(request.user, pk=pk)
        elif action == "open":
            # Following a notification marks it read, then goes to its page (links are the portal's own).
            try:
                pk = int(request.POST.get("notification", ""))
            except ValueError:
                return redirect("inbox")
            notification = get_visible_or_404(Notification.objects.all(), request.user, pk=pk)
            notices.mark_read(request.user, pk=pk)
            link = notification.link
            return redirect(link if link.startswith("/") and not link.startswith("//") else reverse("inbox"))
        elif action == "email":
            enabled = request.POST.get("email") == "on"
            notices.set_email_preference(request.user, enabled)
            messages.success(request, "已开启邮件提醒。" if enabled else "已关闭邮件提醒。")
        else:
            raise BadRequest("不支持的操作。")
        return redirect(f"{reverse('inbox')}?{request.GET.urlencode()}" if request.GET else "inbox")
