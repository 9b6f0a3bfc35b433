"""What a person would call a broken layout, measured in the browser: a bill number or
an amount split over two lines, a button of two lines, a table running past its card,
controls touching, a placeholder cut short, checkboxes drawn as a bulleted list.

``flaws(page)`` returns each flaw in words (an empty list for a page laid out well), so a
failing test says what is wrong where; ``laid_out_well(page)`` asserts there is none, and
that no code of the contract shows.
"""

from __future__ import annotations

from pathlib import Path

from playwright.sync_api import Page, expect

#: Pixels of clear space a person needs to tell a button from what is next to it.
MIN_GAP = 6

#: What a person must never read: the contract's codes, a framework's insides.
INTERNAL = ("run.succeeded", "credit_memo", "succeeded ·", "300/300", "page_token", "Traceback", "BuildError")
#: The measuring, run in the page: returns each flaw in words.
MEASURE = (Path(__file__).parent / "layout.js").read_text()


def flaws(page: Page) -> list[str]:
    """Each flaw of the page's layout, in words, once the page has loaded: a page the panel
    is drawing anew (the Bill Syncing page reloads itself when a run ends) has its elements
    before its style sheet, and measured then it would be unstyled."""
    page.wait_for_load_state("load")
    return page.evaluate(MEASURE, MIN_GAP)


def laid_out_well(page: Page) -> None:
    """Nothing on the page is laid out broken, nor says a word of the contract's codes."""
    found = flaws(page)
    assert found == [], f"{page.url}: {found}"
    for internal in INTERNAL:
        expect(page.locator("body")).not_to_contain_text(internal, use_inner_text=True)
