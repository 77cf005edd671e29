"""The manager's whole KPI journey on a phone: define a KPI with Dutch decimal commas, enter a
value, import a Dutch spreadsheet's CSV after fixing the row it flags, and read the chart and
its table in Dutch; then the same page on a desktop."""

from decimal import Decimal
from pathlib import Path

import pytest
from playwright.sync_api import expect

from kpis.models import KPI, Measurement
from tests.factories import PASSWORD, MembershipFactory, OrganizationFactory, ProgramFactory

SHOTS = Path("/work/shots/kpis")
PHONE, DESKTOP = 390, 1280

LEARNERS = {
    "anna@example.nl": "Anna Jansen",
    "zoe@example.nl": "Zoë de Wit",
    "jose@example.nl": "José Martínez",
    "noor@example.nl": "Noor El Amrani",
    "bram@example.nl": "Bram Bakker",
    "daan@example.nl": "Daan Smit",
}

# As Excel saves a sheet "CSV (gescheiden door lijstscheidingsteken)" on a Dutch PC: a title
# row, a blank line, `;`, percent signs and decimal commas, Windows-1252. Row 9 has a typo in
# the e-mail address.
TITLE = "Productiviteit t.o.v. norm – september 2026, team Zoë;;;\n;;;\n"
ROWS = (
    "Naam;E-mailadres;Periode;Waarde\n"
    "Anna Jansen;anna@example.nl;1-9-2026;104,2%\n"
    "Zoë de Wit;zoe@example.nl;september 2026;98,5%\n"
    "José Martínez;jose@example.nl;2026-09;111,8%\n"
    "Noor El Amrani;noor@example.nl;09-2026;107,5 %\n"
    ";;;\n"
    "Bram Bakker;{bram};sep 2026;102%\n"
    "Daan Smit;daan@example.nl;2026-09;96,4%\n"
)
FLAGGED = TITLE + ROWS.format(bram="bram.bakker@example.nl")
FIXED = TITLE + ROWS.format(bram="bram@example.nl")


@pytest.fixture
def manager(transactional_db):
    organization = OrganizationFactory(name="DC Noord", slug="dc-noord")
    manager = MembershipFactory(
        organization=organization, is_manager=True, is_learner=False, user__name="Sanne Visser"
    ).user
    ProgramFactory(organization=organization, owner=manager, name="Inwerken orderpicker")
    for email, name in LEARNERS.items():
        MembershipFactory(organization=organization, user__email=email, user__name=name)
    return manager


def csv_file(text):
    return {"name": "productiviteit.csv", "mimeType": "text/csv", "buffer": text.encode("cp1252")}


def looks_right(page, axe, name):
    """No serious accessibility violation, nothing wider than the phone, and a screenshot."""
    axe(page)
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    if SHOTS.is_dir():
        width = page.viewport_size["width"]
        page.screenshot(path=SHOTS / f"{name}-{width}.png", full_page=True)


def chart_drawn(page):
    """Chart.js drew the KPI's trend: a chart on the canvas, and pixels on it."""
    page.wait_for_function(
        "window.Chart && window.Chart.getChart(document.querySelector('canvas[data-kpi-trend]'))"
    )
    return page.evaluate(
        """() => {
        const canvas = document.querySelector('canvas[data-kpi-trend]');
        const chart = window.Chart.getChart(canvas);
        const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width, canvas.height);
        return {
            values: chart.data.datasets[0].data,
            lines: chart.data.datasets.map(set => set.label),
            tooltip: chart.options.plugins.tooltip.callbacks.afterLabel(
                { datasetIndex: 0, dataIndex: 0 }
            ),
            painted: pixels.data.filter((value, index) => index % 4 === 3 && value > 0).length,
        };
    }"""
    )


def test_a_manager_defines_measures_imports_and_reads_a_kpi(
    manager, page, live_server, log_in, axe
):
    page.set_viewport_size({"width": PHONE, "height": 844})
    log_in(manager.email, PASSWORD)
    page.get_by_role("button", name="Menu openen of sluiten").click()
    page.get_by_role("link", name="KPI's").click()
    page.get_by_role("link", name="Nieuwe KPI").click()

    page.get_by_label("Naam").fill("Productiviteit t.o.v. norm")
    page.get_by_label("Programma").select_option(label="Inwerken orderpicker")
    page.get_by_label("Eenheid").fill("%")
    page.get_by_label("Richting").select_option(label="hoger is beter")
    page.get_by_label("Decimalen").fill("1")
    page.get_by_label("Gemeten per").select_option(label="lerende")
    page.get_by_label("Hoe vaak").select_option(label="elke maand")
    page.get_by_label("Nulmeting", exact=True).fill("92,5")
    page.get_by_label("Datum nulmeting").fill("2026-05-01")
    page.get_by_label("Streefwaarde", exact=True).fill("107,5")
    page.get_by_label("Streefdatum").fill("2027-06-01")
    page.get_by_label("Laagst mogelijke waarde").fill("0")
    page.get_by_label("Hoogst mogelijke waarde").fill("250")
    looks_right(page, axe, "journey-kpi-form")
    page.get_by_role("button", name="Opslaan").click()

    expect(page.get_by_text("KPI aangemaakt. Voer nu de eerste meting in.")).to_be_visible()
    kpi = KPI.objects.get()
    assert (kpi.baseline_value, kpi.target_value) == (Decimal("92.5"), Decimal("107.5"))
    page.get_by_label("E-mailadres van de lerende").fill("anna@example.nl")
    page.get_by_label("Dag in de periode").fill("2026-10-14")
    page.get_by_role("textbox", name="Waarde").fill("112,5")
    page.get_by_role("button", name="Meting opslaan").click()
    expect(page.get_by_text("Meting opgeslagen.")).to_be_visible()
    expect(page.get_by_role("cell", name="112,5 %")).to_be_visible()
    looks_right(page, axe, "journey-kpi-first-value")

    page.get_by_role("link", name="Importeren").click()
    page.get_by_label("Bestand met waarden").set_input_files(csv_file(FLAGGED))
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_role("alert")).to_contain_text("1 regel heeft een fout.")
    expect(page.get_by_role("alert")).to_contain_text("Rij 9.")
    flagged = page.get_by_role("row").filter(has_text="bram.bakker@example.nl")
    expect(flagged.get_by_role("rowheader")).to_have_text("9")
    expect(flagged).to_contain_text("Niemand in je organisatie heeft het e-mailadres")
    expect(page.get_by_role("button", name="importeren")).to_have_count(0)
    looks_right(page, axe, "journey-import-flagged")

    page.get_by_label("Bestand met waarden").set_input_files(csv_file(FIXED))
    page.get_by_role("button", name="Bestand controleren").click()
    expect(page.get_by_text("6 waarden zijn klaar om te importeren.")).to_be_visible()
    expect(page.get_by_text("104,2 %")).to_be_visible()
    looks_right(page, axe, "journey-import-preview")
    page.get_by_role("button", name="6 waarden importeren").click()

    expect(page.get_by_text("6 waarden vastgelegd.")).to_be_visible()
    assert Measurement.objects.filter(period_start="2026-09-01").count() == 6
    assert Measurement.objects.get(learner__email="zoe@example.nl").value == Decimal("98.5")
    expect(page.get_by_role("cell", name="98,5 %")).to_be_visible()

    # The chart: the mean of September's six learners; October's one value has no mean.
    expect(page.get_by_role("heading", name="Gemiddelde per periode")).to_be_visible()
    drawn = chart_drawn(page)
    assert drawn["values"] == [103.4, None]
    assert drawn["lines"] == ["Productiviteit t.o.v. norm", "nulmeting", "streefwaarde"]
    assert drawn["tooltip"] == "n = 6"
    assert drawn["painted"] > 1000
    page.get_by_text("Tabel", exact=True).click()
    table = page.get_by_role("region", name="Gemiddelde per periode")
    expect(table.get_by_role("row")).to_have_text(
        [
            "Periode Gemiddelde n",
            "september 2026 103,4 % 6",
            "oktober 2026 te weinig gegevens (minder dan 5) 1",
        ],
        use_inner_text=True,
    )
    looks_right(page, axe, "journey-kpi-chart")

    page.set_viewport_size({"width": DESKTOP, "height": 900})
    assert chart_drawn(page)["painted"] > 1000
    looks_right(page, axe, "journey-kpi-chart")
