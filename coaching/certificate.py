"""The independence certificate as a PDF: an A4 landscape page drawn with fpdf2.

fpdf2 is pure Python (no system libraries, unlike WeasyPrint's Pango), maintained, and
embeds a TrueType font as a subset, so every name prints as typed: "Özdemir", "Nguyễn",
"Zoë". The font, DejaVu Serif, is vendored under static/fonts/ with its licence; a fresh
machine or the Docker image needs nothing installed for it.
"""

import datetime
import unicodedata
from functools import cache

from django.contrib.staticfiles import finders
from django.utils import formats
from django.utils.text import slugify
from django.utils.translation import get_language, ngettext, npgettext
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import MethodReturnValue, XPos, YPos
from fpdf.fonts import FontFace

from coaching.selectors import Certificate
from programs.choices import Level

FONT = "DejaVuSerif"
GREEN = (20, 108, 67)  # the app's success green, #146c43
INK = (29, 43, 36)  # #1d2b24, the mails' heading colour
MUTED = (79, 93, 86)  # #4f5d56
RULE = (190, 205, 197)
LEVEL_STYLE = FontFace(emphasis="BOLD", color=GREEN)
PAGE_WIDTH, PAGE_HEIGHT = 297, 210  # A4 landscape, in millimetres
MARGIN = 30  # text stays this far from the paper's edge, inside the frame
# The signatures stand at this height on the page unless the goals push them further down.
SIGNATURES_AT = 166
# The goals' table: its columns, type size, line height and side padding, in mm and points.
TITLE_WIDTH, LEVEL_WIDTH = 115, 55
GOAL_SIZE, GOAL_LINE, GOAL_PADDING = 11, 6.5, 2
GOAL_HEADING_HEIGHT = 6


@cache
def _font_files() -> dict[str, str]:
    return {
        "": finders.find("fonts/DejaVuSerif.ttf"),
        "B": finders.find("fonts/DejaVuSerif-Bold.ttf"),
    }


def _text(value: str) -> str:
    # Composed characters: a name typed as "e" plus a combining mark prints as one letter.
    return unicodedata.normalize("NFC", str(value))


class _CertificatePage(FPDF):
    """Every page of the certificate in its double frame, with its small print."""

    small_print = ""

    def header(self):
        self.set_draw_color(*GREEN)
        self.set_line_width(1.2)
        self.rect(10, 10, PAGE_WIDTH - 20, PAGE_HEIGHT - 20)
        self.set_line_width(0.3)
        self.rect(14, 14, PAGE_WIDTH - 28, PAGE_HEIGHT - 28)

    def footer(self):
        self.set_font(FONT, "", 7)
        self.set_text_color(*MUTED)
        self.set_xy(MARGIN, PAGE_HEIGHT - 21)
        self.cell(0, 3, self.small_print, align="C")


def filename(certificate: Certificate) -> str:
    """The downloaded file's name, in the active language: certificaat-lotte-de-vries.pdf."""
    word = slugify(_("certificate"))
    learner = slugify(certificate.learner) or certificate.enrolment_id
    return f"{word}-{learner}.pdf"


def render(certificate: Certificate) -> bytes:
    """The certificate in the active language, as PDF bytes."""
    pdf = _CertificatePage(orientation="L", unit="mm", format="A4")
    for style, path in _font_files().items():
        pdf.add_font(FONT, style=style, fname=path)
    pdf.set_margins(MARGIN, 24, MARGIN)
    pdf.set_auto_page_break(auto=True, margin=24)
    pdf.set_title(_text(_("Certificate") + f" · {certificate.learner} · {certificate.program}"))
    pdf.set_author(_text(certificate.organization))
    pdf.set_creator("werkplek")
    pdf.set_lang(get_language())  # screen readers pronounce it in the certificate's language
    pdf.small_print = _("werkplek · enrolment %(number)s") % {"number": certificate.enrolment_id}
    # Dated the day it states, so the same facts always give the same file.
    pdf.set_creation_date(
        datetime.datetime.combine(certificate.independent_on, datetime.time(), tzinfo=datetime.UTC)
    )
    pdf.add_page()

    _line(pdf, certificate.organization.upper(), size=11, color=GREEN, spacing=1.5, after=4)
    _line(pdf, _("Certificate"), size=38, bold=True, after=1)
    middle = PAGE_WIDTH / 2
    pdf.set_draw_color(*GREEN)
    pdf.set_line_width(0.6)
    pdf.line(middle - 25, pdf.get_y() + 1, middle + 25, pdf.get_y() + 1)
    pdf.ln(6)
    _line(pdf, _("This certifies that"), size=12, color=MUTED, after=2)
    _line(pdf, certificate.learner, size=26, bold=True, after=2)
    _line(pdf, _("works independently in the learning program"), size=12, color=MUTED, after=2)
    _line(pdf, certificate.program, size=17, bold=True, after=7)

    started = formats.date_format(certificate.started_on, "DATE_FORMAT")
    independent = formats.date_format(certificate.independent_on, "DATE_FORMAT")
    dates = _("Started on %(start)s  ·  independent since %(date)s") % {
        "start": started,
        "date": independent,
    }
    # The goals fill the space above the signatures; a program with more goals than fit
    # lists them on a second page, so the certificate itself stays one page.
    on_first_page = _goals_fit(pdf, certificate.goals)
    if on_first_page:
        _goals(pdf, certificate.goals)
    else:
        count = len(certificate.goals)
        summary = ngettext(
            "%(count)s learning goal reached, listed on the next page.",
            "%(count)s learning goals reached, listed on the next page.",
            count,
        ) % {"count": count}
        _line(pdf, summary, size=11, color=MUTED, after=4)
    _line(pdf, dates, size=11, color=INK, after=0)
    _signatures(pdf, certificate, issued_on=independent)
    if not on_first_page:
        pdf.add_page()
        _goals(pdf, certificate.goals)
    return bytes(pdf.output())


def _line(pdf, text, *, size, bold=False, color=INK, spacing=0.0, after=0.0):
    """One centred paragraph across the page (wrapped when long)."""
    pdf.set_font(FONT, "B" if bold else "", size)
    pdf.set_text_color(*color)
    pdf.set_char_spacing(spacing)
    pdf.multi_cell(0, size * 0.45, _text(text), align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)
    pdf.ln(after)


def _goals_fit(pdf, goals) -> bool:
    """Whether the goals' table (each title wrapped as it will be) leaves room for the
    dates above the signatures."""
    pdf.set_font(FONT, "", GOAL_SIZE)
    height = GOAL_HEADING_HEIGHT
    for title, _level in goals:
        lines = pdf.multi_cell(
            TITLE_WIDTH - 2 * GOAL_PADDING,
            GOAL_LINE,
            _text(title),
            dry_run=True,
            output=MethodReturnValue.LINES,
        )
        height += len(lines) * GOAL_LINE + 2
    return pdf.get_y() + height + 6 + 12 <= SIGNATURES_AT


def _goals(pdf, goals) -> None:
    """The program's goals with the level each reached, in a ruled table."""
    pdf.set_font(FONT, "B", 9)
    pdf.set_text_color(*GREEN)
    pdf.set_char_spacing(1)
    heading = _("Learning goals and the level reached").upper()
    pdf.cell(0, 5, heading, align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_char_spacing(0)
    pdf.ln(1)
    pdf.set_font(FONT, "", GOAL_SIZE)
    pdf.set_text_color(*INK)
    pdf.set_draw_color(*RULE)
    pdf.set_line_width(0.2)
    with pdf.table(
        width=TITLE_WIDTH + LEVEL_WIDTH,
        col_widths=(TITLE_WIDTH, LEVEL_WIDTH),
        text_align=("LEFT", "RIGHT"),
        borders_layout="HORIZONTAL_LINES",
        first_row_as_headings=False,
        line_height=GOAL_LINE,
        padding=(1, GOAL_PADDING),
    ) as table:
        for title, level in goals:
            row = table.row()
            row.cell(_text(title))
            row.cell(str(Level(level).label) if level else "–", style=LEVEL_STYLE)
    pdf.ln(6)


def _signatures(pdf, certificate: Certificate, *, issued_on: str) -> None:
    """Two signature lines: the coaches on the left, the organisation on the right."""
    if pdf.get_y() > PAGE_HEIGHT - 46:
        pdf.add_page()
    top = max(pdf.get_y() + 6, SIGNATURES_AT)
    width = 95
    blocks = (
        (
            PAGE_WIDTH / 2 - 20 - width,
            ", ".join(certificate.coaches) or "–",
            npgettext("certificate", "Coach", "Coaches", len(certificate.coaches)),
        ),
        (
            PAGE_WIDTH / 2 + 20,
            certificate.organization,
            _("Issued on %(date)s") % {"date": issued_on},
        ),
    )
    for left, name, label in blocks:
        pdf.set_xy(left, top)
        pdf.set_font(FONT, "B", 12)
        pdf.set_text_color(*INK)
        pdf.multi_cell(width, 5.5, _text(name), align="C", new_x=XPos.LEFT, new_y=YPos.NEXT)
        y = pdf.get_y() + 1
        pdf.set_draw_color(*MUTED)
        pdf.set_line_width(0.3)
        pdf.line(left + 10, y, left + width - 10, y)
        pdf.set_xy(left, y + 1.5)
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*MUTED)
        pdf.cell(width, 4.5, _text(label), align="C")
    pdf.set_xy(MARGIN, top + 24)
