"""Django's own texts that our pages show, listed so that our Dutch catalog says them with
"je" instead of Django's formal "u"/"uw".

For the same msgid, a catalog in LOCALE_PATHS wins over Django's own; listing the texts here
keeps them in what `makemessages` extracts, so `--no-obsolete` does not drop our wording.
Nothing imports this module: it only carries the messages (tests/werkplek/test_password_texts.py
checks the pages that show them).
"""

from django.utils.translation import gettext_noop, ngettext_lazy

PASSWORD_TEXTS = (
    # django.contrib.auth.password_validation: the help texts under every new-password field.
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
    ),
    gettext_noop("Your password can’t be too similar to your other personal information."),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    # django.contrib.auth.forms.PasswordChangeForm
    gettext_noop("Your old password was entered incorrectly. Please enter it again."),
)
