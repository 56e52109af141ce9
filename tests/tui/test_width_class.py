"""The screen's breakpoint class comes from the terminal's width before the first frame, so
the first resize changes no class (which would restyle every widget)."""

from __future__ import annotations

import pytest

from tests.helpers import AppFactory


@pytest.mark.parametrize(("columns", "wide"), [(200, True), (120, False), (80, False)])
def test_the_width_class_is_set_before_the_screen_is_styled(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch, columns: int, wide: bool
) -> None:
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setenv("LINES", "40")
    screen = make_app().orders_screen
    assert screen.has_class("-wide") is wide
    assert screen.has_class("-narrow") is not wide


async def test_a_resize_still_moves_it(
    make_app: AppFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "80")
    app = make_app()
    async with app.run_test(size=(180, 45)) as pilot:
        await pilot.pause()
        assert app.orders_screen.has_class("-wide")
