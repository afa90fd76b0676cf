"""Admin pieces shared by the apps."""


class ReadOnlyPermissions:
    """For records staff may look at but never add, edit or delete (logs, deliveries).

    Mixed into a ModelAdmin or an inline; ``obj`` is optional because inlines pass it to
    ``has_add_permission`` and model admins do not.
    """

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False
