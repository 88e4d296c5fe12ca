"""The flipped classroom in a real browser against the demo.

The rep's manager opens the seminar prep report (the rep is still behind); the rep opens
the pre-work module the demo left unfinished, fails its quiz, reads the feedback, passes
at the second attempt, then measures the VHS of a generated radiograph by clicking on it.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlparse

import pytest

from onevoice.accounts.choices import Role
from onevoice.measurement.demo_load import DEMO_PASSWORD
from onevoice.training import schematic
from onevoice.training.demo_program import PROGRAM_TITLE, QUESTIONS

pytestmark = pytest.mark.e2e
MODULE_TITLE = "Evidence and dosing"


def _login(browser: Any, server: str, username: str) -> tuple[Any, Any, set[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 1000})
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlparse(request.url).hostname or ""))
    page.goto(server + "/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.click("button[type=submit]")
    page.locator('[data-testid="home"]').wait_for()
    return context, page, hosts


def _spec(prompt: str) -> dict[str, Any]:
    for spec in QUESTIONS["evidence_and_dosing"]:
        if spec["prompt"][:50] in prompt:
            return spec
    raise AssertionError(f"no demo question matches {prompt!r}")


def _answer(page: Any, *, right: bool) -> None:
    questions = page.locator('[data-testid="question"]')
    assert questions.count() == len(QUESTIONS["evidence_and_dosing"])
    for i in range(questions.count()):
        q = questions.nth(i)
        spec = _spec(q.locator(".prompt").inner_text())
        if spec["kind"] == "numeric":
            value = spec["answer"] if right else spec["answer"] + 7
            q.locator("input[type=text]").fill(str(value))
            continue
        options = spec["options"]
        chosen = (
            [text for text, ok in options if ok]
            if right
            else [next(text for text, ok in options if not ok)]
        )
        for text in chosen:
            q.locator("label", has_text=text).locator("input").check()


def _click_svg(page: Any, svg: Any, point: list[float]) -> None:
    """Click the SVG at ``point`` in its own units, as a user's mouse would."""
    screen = svg.evaluate(
        "(el, p) => { const pt = el.createSVGPoint(); pt.x = p[0]; pt.y = p[1];"
        " const s = pt.matrixTransform(el.getScreenCTM()); return [s.x, s.y]; }",
        point,
    )
    page.mouse.click(screen[0], screen[1])


def test_manager_opens_the_seminar_prep_report_before_the_rep_catches_up(
    server, browser, demo_home
):
    logins = demo_home[1]
    context, page, hosts = _login(browser, server, logins[Role.SALES_MANAGER])
    page.goto(server + "/training/")
    page.locator('[data-testid="programs"]').get_by_role("link", name=PROGRAM_TITLE).click()
    page.click('[data-testid="program-prep"]')
    # Before the rep below finishes, the demo's login rep is behind on pre-work.
    assert page.locator('[data-testid="missed-concepts"] ol li').count() >= 1
    assert page.locator('[data-testid="unfinished"] tbody tr').count() >= 1
    assert page.locator('[data-testid="scenarios"] li').count() >= 3
    assert page.locator('[data-testid="items"] tbody tr').count() == sum(
        len(v) for v in QUESTIONS.values()
    )
    assert hosts == {"127.0.0.1"}
    context.close()


def test_rep_does_prework_fails_then_passes_and_measures_a_vhs(server, browser, demo_home):
    logins = demo_home[1]
    context, page, hosts = _login(browser, server, logins[Role.SALES_REP])
    page.goto(server + "/training/")
    page.locator('[data-testid="programs"]').get_by_role("link", name=PROGRAM_TITLE).click()
    program_url = page.url
    page.click(f"text={MODULE_TITLE}")
    assert "0.5 mg/kg per day" in page.locator('[data-testid="module-body"]').inner_text()

    page.click('[data-testid="start-quiz"]')
    _answer(page, right=False)
    page.click('[data-testid="submit-quiz"]')
    result = page.locator('[data-testid="result"]')
    assert result.get_attribute("data-passed") == "no"
    assert "Not passed yet" in result.inner_text()
    assert page.locator('[data-testid="explanation"]').count() == len(
        QUESTIONS["evidence_and_dosing"]
    )

    page.click('[data-testid="back-to-module"]')
    page.click('[data-testid="start-quiz"]')
    _answer(page, right=True)
    page.click('[data-testid="submit-quiz"]')
    assert page.locator('[data-testid="result"]').get_attribute("data-passed") == "yes"

    # The VHS exercise: click the axes and the vertebrae on a generated radiograph.
    page.goto(program_url + "vhs/")
    page.click('[data-testid="new-case"]')
    svg = page.locator("svg[data-measure]")
    svg.scroll_into_view_if_needed()
    seed = int(svg.get_attribute("data-seed"))
    case = schematic.generate_case(seed)
    for key in ("long_axis", "short_axis", "vertebrae"):
        for point in case.reference_points[key]:
            _click_svg(page, svg, point)
    assert page.locator('[data-count="vertebrae"]').inner_text() == str(
        len(case.reference_points["vertebrae"])
    )
    page.click('[data-testid="submit-measure"]')
    measured = page.locator('[data-testid="vhs-result"]')
    assert measured.get_attribute("data-passed") == "yes", measured.inner_text()
    assert float(page.locator('[data-testid="vhs-error"]').inner_text()) <= 0.1
    assert hosts == {"127.0.0.1"}
    context.close()
