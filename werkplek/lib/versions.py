"""No lost edits: an object edited in a form carries a version that each save moves on, so a
save based on an older version (another tab, a colleague) is refused instead of overwriting."""

from django.db.models import F


class EditConflict(Exception):
    """Someone saved the object after the form was opened; `saved` is the object as stored."""

    def __init__(self, saved):
        super().__init__(f"{saved!r} was saved in the meantime")
        self.saved = saved


def claim_version(instance, *, seen: int | None = None) -> None:
    """Move `instance` to its next version if it is still at `seen` (the version its form
    showed; a form without one sends a version no object has; None, for callers without a
    form such as a command: the version it was loaded with), in one
    `UPDATE … SET version = version + 1 WHERE version = seen`. The row stays locked until
    the transaction ends, so a second save at the same moment waits, then matches nothing:
    EditConflict, with the saved object."""
    model = type(instance)
    seen = instance.version if seen is None else seen
    rows = model._base_manager.filter(pk=instance.pk, version=seen)
    if not rows.update(version=F("version") + 1):
        raise EditConflict(model._base_manager.get(pk=instance.pk))
    instance.version = seen + 1
