"""A crash report shows what failed and where, never the frames' variables (card codes)."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path

import pytest

from kameng_tui import cli
from tests.helpers import AppFactory


async def crash_with_a_secret_in_scope(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> tuple[str, str]:
    secret = f"CARD-{uuid.uuid4().hex}"
    app = make_app(orders=20)

    def show_codes() -> None:
        codes = [secret]  # what a handler holding an order has in scope
        raise ValueError(f"cannot show {len(codes)} codes")

    with pytest.raises(ValueError):
        async with app.run_test() as pilot:
            app.call_later(show_codes)
            await pilot.pause()
            await pilot.pause()
    return secret, capsys.readouterr().err


async def test_the_crash_report_has_no_locals(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str]
) -> None:
    secret, err = await crash_with_a_secret_in_scope(make_app, capsys)
    assert "ValueError" in err and "show_codes" in err and "raise ValueError" in err
    assert secret not in err  # Textual's report listed every frame's locals
    assert "cannot show 1 codes" not in err  # nor the message: it may quote order data
    assert "locals" not in err.lower()


async def test_the_full_report_without_locals_goes_to_the_log(
    make_app: AppFactory, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    log = tmp_path / "kameng.log"
    cli._start_log(str(log), debug=False)
    try:
        secret, err = await crash_with_a_secret_in_scope(make_app, capsys)
    finally:
        ours = logging.getLogger("kameng_tui")
        for handler in list(ours.handlers):
            ours.removeHandler(handler)
            handler.close()
    text = log.read_text(encoding="utf-8")
    assert "ValueError: cannot show 1 codes" in text and "show_codes" in text
    assert secret not in text and secret not in err
    assert str(log) in err
