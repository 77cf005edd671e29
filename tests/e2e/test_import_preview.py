"""A manager on a phone checks the month's learner list: errors and skipped people readable
at 390 px, nothing wider than the screen, long addresses wrapped between their parts."""

import os
from pathlib import Path

import pytest
from playwright.sync_api import expect

from programs.models import Invitation
from tests.factories import PASSWORD, CohortFactory, EnrolmentFactory, MembershipFactory
from tests.programs.spreadsheets import xlsx_bytes

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
LONG_ADDRESS = "marie-louise.van-den-berg-de-groot@distributiecentrum-noord.nl"


@pytest.fixture
def group(transactional_db):
    manager = MembershipFactory(is_manager=True, is_learner=False, user__name="Sanne Visser").user
    organization = manager.memberships.get().organization
    MembershipFactory(
        organization=organization,
        is_coach=True,
        is_learner=False,
        user__email="mohamed@dc-noord.nl",
        user__name="Mohamed Amrani",
    )
    cohort = CohortFactory(
        program__organization=organization, program__owner=manager, name="Instroom april"
    )
    EnrolmentFactory(
        cohort=cohort,
        learner=MembershipFactory(
            organization=organization, user__email="ali@dc-noord.nl", user__name="Ali Demir"
        ).user,
    )
    return manager, cohort


def april_list(tmp_path, *, with_mistakes):
    rows = [
        ["Instroom april"],
        [],
        ["E-mailadres", "Naam", "Team", "Coach", "Startdatum"],
        [LONG_ADDRESS, "Marie-Louise van den Berg", "Inslag", "mohamed@dc-noord.nl", "3-2-2027"],
        ["ali@dc-noord.nl", "Ali Demir", "Inslag", "", ""],
        [],
        ["nina@dc-noord.nl", "Nina Kok", "Uitslag", "", "7-4-2027"],
    ]
    if with_mistakes:
        rows += [
            ["geen-adres", "Piet", "", "", ""],
            ["sem@dc-noord.nl", "Sem", "", "onbekend@dc-noord.nl", "31-31-2027"],
        ]
    path = tmp_path / ("april-fouten.xlsx" if with_mistakes else "april.xlsx")
    path.write_bytes(xlsx_bytes(rows))
    return path


# The text of a node and the character offsets at which its rendered lines begin.
LINE_BREAKS = """node => {
  const walker = document.createTreeWalker(node, NodeFilter.SHOW_TEXT);
  let text = "", breaks = [], lastTop = null, current;
  while ((current = walker.nextNode())) {
    for (let i = 0; i < current.data.length; i++) {
      const range = document.createRange();
      range.setStart(current, i);
      range.setEnd(current, i + 1);
      const top = Math.round(range.getBoundingClientRect().top);
      if (lastTop !== null && top > lastTop) breaks.push(text.length);
      lastTop = top;
      text += current.data[i];
    }
  }
  return [text, breaks];
}"""


def shoot(page, name):
    """Full-page screenshots for review, where the reviewer asks for them."""
    folder = os.environ.get("SCREENSHOT_DIR")
    if folder:
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=f"{folder}/{name}.png", full_page=True)


def assert_fits(page, width):
    overflow = page.evaluate("document.documentElement.scrollWidth")
    assert overflow <= width, f"the page is {overflow} px wide on a {width} px screen"


@pytest.mark.parametrize("viewport", [PHONE, DESKTOP], ids=["phone", "desktop"])
def test_the_preview_shows_errors_and_skipped_people_within_the_screen(
    group, page, live_server, log_in, axe, tmp_path, viewport
):
    manager, cohort = group
    page.set_viewport_size(viewport)
    log_in(manager.email, PASSWORD)
    page.goto(f"{live_server.url}/programmas/groepen/{cohort.pk}/importeren/")
    expect(page.get_by_role("link", name="het sjabloon (.xlsx)")).to_be_visible()
    shoot(page, f"import-{viewport['width']}")
    axe(page)

    page.get_by_label("Lijst met lerenden").set_input_files(
        april_list(tmp_path, with_mistakes=True)
    )
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_text("2 regels hebben een fout")).to_be_visible()
    for message in (
        "‘geen-adres’ is geen geldig e-mailadres.",
        "‘onbekend@dc-noord.nl’ is geen coach in je organisatie.",
        "‘31-31-2027’ is geen datum",
        "Al ingeschreven in deze groep, overgeslagen.",
    ):
        expect(page.get_by_text(message)).to_be_visible()
    assert_fits(page, viewport["width"])
    # The long address wraps between its words: before the @, after a dot or a hyphen.
    text, breaks = page.locator("td div", has_text="marie-louise").first.evaluate(LINE_BREAKS)
    assert text == LONG_ADDRESS
    if viewport == PHONE:
        assert breaks, "on a phone the long address needs more than one line"
    for index in breaks:
        assert text[index - 1] in ".-" or text[index] == "@", f"broken at {text[:index]}|"
    shoot(page, f"import-preview-errors-{viewport['width']}")
    axe(page)

    page.get_by_label("Lijst met lerenden").set_input_files(
        april_list(tmp_path, with_mistakes=False)
    )
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_text("2 regels zijn klaar om te importeren.")).to_be_visible()
    assert_fits(page, viewport["width"])
    shoot(page, f"import-preview-ready-{viewport['width']}")
    axe(page)
    page.get_by_role("button", name="2 lerenden importeren").click()
    expect(page.get_by_text("0 lerenden ingeschreven. 2 personen uitgenodigd.")).to_be_visible()
    assert Invitation.objects.count() == 2
