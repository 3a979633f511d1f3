from rest_framework.permissions import BasePermission

from renewal.choices import Role


class HasRole(BasePermission):
    """Allows the roles named on the view's `allowed_roles` (default: every signed-in role)."""

    message = "您的角色不能使用此接口。"

    def has_permission(self, request, view):
        user = request.user
        if not user or not user.is_authenticated:
            return False
        role = user.effective_role
        return role in getattr(view, "allowed_roles", tuple(Role))
