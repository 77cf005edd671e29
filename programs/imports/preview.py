"""The pages of an import that shows the checked list before anything is written: the upload
and its preview, then the confirm. The learner import and the needs analysis's ratings go the
same way; each says in an `ImportPreview` what is its own."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect

from programs.imports.reading import too_large_message, upload_too_large
from programs.services import AlreadyImported


def _no_extra_context(rows, target) -> dict:
    return {}


@dataclass(frozen=True)
class ImportPreview:
    """What one previewed import has of its own. `model` is its PreviewedImport, whose field
    `target` names what the list goes into (the group, the round); the page has that under
    the same name, the kept preview as `preview`, and the program as `program`."""

    model: type
    target: str
    form_class: type
    template: str
    upload_url: str  # the URL name of the upload page, which takes the target's pk
    check_rows: Callable  # (rows, target) -> the rows with their errors and warnings
    stored_row: Callable  # a kept row as it was typed, to be checked again
    create: Callable  # the service that keeps the checked rows: (target=, rows=, actor=)
    extra_context: Callable = field(default=_no_extra_context)  # (rows, target) -> dict
    # Whether the preview can be confirmed again after the confirm was refused (the learner
    # import: tick "above capacity"); otherwise the list is to be uploaded again.
    confirm_again_after_refusal: bool = False

    def page(self, request, target, *, rows=None, form=None, preview=None, refusal="", status=200):
        """The upload form, with the preview of the checked rows once there are any."""
        error_count = sum(1 for row in rows or [] if row.errors)
        new_count = sum(1 for row in rows or [] if not row.is_skipped)
        context = {
            self.target: target,
            "program": target.program,
            "form": form if form is not None else self.form_class(),
            "rows": rows,
            "preview": preview,
            "refusal": refusal,
            "error_count": error_count,
            "new_count": new_count,
            "skipped_count": sum(1 for row in rows or [] if row.is_skipped),
            "preview_ready": bool(rows and not error_count and new_count),
            **self.extra_context(rows, target),
        }
        return render(request, self.template, context, status=status)

    def upload(self, request, target):
        """Check an uploaded list and show every row with its errors; a list without errors is
        kept for the confirm. Nothing is imported yet.

        The upload's size is checked before anything reads the body: CsrfViewMiddleware reads
        request.POST (and so writes the upload to memory or disk) before the view runs, so the
        view is exempt from the middleware and the same CSRF check runs here, after the size.
        """
        if request.method == "POST" and upload_too_large(request):
            return self.page(request, target, refusal=too_large_message(), status=413)
        return csrf_protect(self._checked)(request, target)

    def _checked(self, request, target):
        form = self.form_class(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            rows = self.check_rows(form.rows, target)
            preview = None
            if not any(row.errors for row in rows) and not all(row.is_skipped for row in rows):
                try:
                    preview = self.create(**{self.target: target}, rows=rows, actor=request.user)
                except ValidationError as error:
                    return self.page(request, target, rows=rows, refusal=" ".join(error.messages))
            return self.page(request, target, rows=rows, preview=preview)
        return self.page(request, target, form=form)

    def kept_rows(self, preview, target) -> list:
        """The preview's rows checked again against the database as it is now."""
        return self.check_rows([self.stored_row(row) for row in preview.rows], target)

    def confirm(self, request, target, *, run, already, done_url):
        """Import the previewed rows of the form's token once: `run(preview)` imports them and
        returns what to say. It raises AlreadyImported after an earlier confirm, when
        `already(preview)` says what that one did; a ValidationError when the list no longer
        holds, when the preview shows again with the reason."""
        preview = (
            self.model.objects.visible_to(request.user)
            .confirmable(request.POST.get("token", ""))
            .filter(**{self.target: target})
            .first()
        )
        if preview is None:
            messages.error(request, _("Upload the file again; the preview has expired."))
            return redirect(self.upload_url, pk=target.pk)
        try:
            done = run(preview)
        except AlreadyImported:
            # Say what the first confirm did: after a double tap this is the page one sees.
            preview.refresh_from_db()
            messages.info(request, already(preview))
            return redirect(done_url)
        except ValidationError as error:
            # Something changed since the preview (say, a coach lost the role): show it again.
            messages.error(request, " ".join(error.messages))
            rows = self.kept_rows(preview, target)
            kept = preview if self.confirm_again_after_refusal else None
            return self.page(request, target, rows=rows, preview=kept)
        messages.success(request, done)
        return redirect(done_url)
