"""The hostile corpus on screen (Pilot): the list, the detail pane, toasts, the header, the
palette, the stats view and the clipboard show every value literally, control characters made
visible, and nothing reaches the terminal raw. Orders come from a stub backend, so the views
get the values as they are, without an adapter's bounds.
"""

from __future__ import annotations

from textual.command import CommandList, CommandPalette
from textual.content import Content
from textual.pilot import Pilot
from textual.strip import Strip

from kameng_tui.backends.base import Backend, BackendError, SyncResult
from kameng_tui.domain.clock import ManualClock
from kameng_tui.domain.order import Order
from kameng_tui.domain.status import OrderStatus
from kameng_tui.domain.text import clean
from kameng_tui.sync import RefreshMode
from kameng_tui.tui.app import KamengApp
from kameng_tui.tui.screens.orders import OrdersScreen
from tests.hostile.corpus import SHORT_TEXTS, TEXTS, hostile_order, hostile_orders, raw_controls

SIZE = (200, 50)  # wide: the details beside the list


class Stub(Backend):
    platform = "demo"

    def __init__(self, orders: list[Order], profile: str = "demo") -> None:
        self.profile = profile
        self.orders = orders
        self.error: Exception | None = None

    async def fetch_changes(self, cursor: str | None) -> SyncResult:
        if self.error is not None:
            raise self.error
        return SyncResult(list(self.orders), None, len(self.orders))


async def settle(app: KamengApp, pilot: Pilot[None]) -> OrdersScreen:
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.orders_screen
    screen.ticker.pause()  # the tests poll themselves
    return screen


async def refresh_now(app: KamengApp, pilot: Pilot[None]) -> None:
    await pilot.press("r")
    await app.workers.wait_for_complete()
    await pilot.pause()


def frame(app: KamengApp) -> list[Strip]:
    return app.screen._compositor.render_strips()


def frame_text(app: KamengApp) -> str:
    return "\n".join(strip.text for strip in frame(app))


def region_text(app: KamengApp, screen: OrdersScreen) -> str:
    """The detail pane's part of the frame, line by line (cropped by cells, not characters)."""
    region = screen.detail.region
    lines = frame(app)[region.y : region.bottom]
    return "\n".join(line.crop(region.x, region.right).text for line in lines)


def assert_safe_frame(app: KamengApp, context: str) -> None:
    strips = frame(app)
    width = app.size.width
    for strip in strips:
        assert not raw_controls(strip.text), (context, raw_controls(strip.text))
        assert strip.cell_length == width, context  # no wide or zero-width character broke it


async def test_list_and_detail_show_every_hostile_value_literally(clock: ManualClock) -> None:
    orders = hostile_orders()
    app = KamengApp(Stub(orders), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot)
        assert len(screen.view) == len(orders)
        assert_safe_frame(app, "first frame")
        for order, (name, text) in zip(orders, TEXTS.items(), strict=True):
            assert screen.order_list.select_order(order.order_no), name
            for _ in range(200):  # the details follow the cursor a frame later: wait, bounded
                await pilot.pause()
                if screen.detail.order == order:
                    break
            assert screen.detail.order == order
            assert_safe_frame(app, name)
            detail = region_text(app, screen)
            # The product, merchant, account, label... (their start: long ones wrap)
            assert clean(text)[:12] in detail, name
            index = screen.view.index_of(order.order_no)
            assert index is not None
            row = screen.order_list.render_line(index - int(screen.order_list.scroll_offset.y) + 1)
            assert row.cell_length == screen.order_list.scrollable_content_region.width
            assert not raw_controls(row.text)
            assert clean(order.order_no)[:4] in row.text, name


async def test_revealed_card_codes_and_the_clipboard_carry_no_control_characters(
    clock: ManualClock,
) -> None:
    orders = hostile_orders(SHORT_TEXTS)
    revealed = {"esc", "osc52_clipboard", "bracketed_paste_end", "c1_csi", "bidi",
                "lone_surrogate", "newlines", "markup_mixed"}  # fmt: skip
    app = KamengApp(Stub(orders), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot)
        for order, name in zip(orders, SHORT_TEXTS, strict=True):
            screen.order_list.select_order(order.order_no)
            # Copied cleaned: pasted into a shell, a raw ESC could end bracketed paste.
            screen.action_copy_order_no()
            assert app.clipboard == clean(order.order_no)
            screen.action_copy_codes()
            assert app.clipboard == "\n".join(clean(code) for code in order.card_codes)
            assert not raw_controls(app.clipboard.replace("\n", "")), name
            if name in revealed:
                await pilot.press("c")
                assert screen.detail.codes_shown
                assert_safe_frame(app, name)
                assert clean(order.card_codes[0]) in region_text(app, screen)


async def test_status_change_toasts_show_hostile_numbers_literally(clock: ManualClock) -> None:
    orders = [
        hostile_order(i, text, status=OrderStatus.PAID, label=None)
        for i, text in enumerate(SHORT_TEXTS.values())
    ]
    backend = Stub(orders)
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        screen = await settle(app, pilot)
        # Followed orders still raise a toast (the rest go to the change bar and log).
        screen.order_list.pinned.update(o.order_no for o in orders)
        for start in range(0, len(orders), 3):  # up to 3 changes a poll: one toast each
            app.clear_notifications()
            moved = orders[start : start + 3]
            clock.advance(60)
            done = {o.order_no: o._replace(status=OrderStatus.COMPLETED, updated_at=clock.now())
                    for o in moved}  # fmt: skip
            backend.orders = [done.get(o.order_no, o) for o in backend.orders]
            await refresh_now(app, pilot)
            messages = [n.message for n in app._notifications]
            assert len(messages) == len(moved)
            for order, message in zip(moved, messages, strict=True):
                assert clean(order.order_no) in message
                assert not raw_controls(message)
            assert_safe_frame(app, f"toasts for {[o.order_no for o in moved]!r}")
            if TEXTS["osc0_title"] in (o.product_name for o in moved):
                assert "␛]0;pwned␇" in frame_text(app)  # the toast itself, on screen
            bar = screen.change_bar.render().plain
            assert not raw_controls(bar)


async def test_header_shows_hostile_profile_and_error_literally(clock: ManualClock) -> None:
    profile = "[red]evil[/red]\x1b]0;x\x07"
    backend = Stub(hostile_orders(SHORT_TEXTS), profile=profile)
    app = KamengApp(backend, clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot)
        header = screen.header.render().plain
        assert clean(profile) in header
        for error in (
            BackendError("HTTP 502: \x1b[2J[/b] \x9b31m\nsecond line"),
            ValueError("\x1b]52;c;aGk=\x07 [bold]"),
        ):
            backend.error = error
            clock.advance(30)
            await refresh_now(app, pilot)
            assert screen.syncer.state().mode is RefreshMode.ERROR
            header = screen.header.render().plain
            assert not raw_controls(header)
            assert "␛]52;c;aGk=␇ [bold]" in header or "␛[2J[/b] \\x9b31m" in header
            assert_safe_frame(app, str(error))
            assert len(screen.view) == len(SHORT_TEXTS)  # the last good data stays


async def test_palette_stats_and_search_survive_hostile_data(clock: ManualClock) -> None:
    app = KamengApp(Stub(hostile_orders()), clock=clock)
    async with app.run_test(size=SIZE) as pilot:
        screen = await settle(app, pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"H00")
        hits = app.screen.query_one(CommandList)
        for _ in range(500):  # the palette searches in a worker: wait for its hits, bounded
            if hits.option_count >= 10:
                break
            await pilot.pause(0.01)
        assert hits.option_count >= 10
        await pilot.pause()
        assert_safe_frame(app, "palette")
        # Numbers and products literally: no markup applied, no action links made.
        prompts = [hits.get_option_at_index(i).prompt for i in range(hits.option_count)]
        shown = "\n".join(p.plain for p in prompts if isinstance(p, Content))
        for name in ("markup_close", "markup_style", "markup_action", "markup_variable",
                     "markup_escaped", "csi_clear"):  # fmt: skip
            assert clean(TEXTS[name]) in shown, name
        assert "H000[/b]" in frame_text(app)
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("t")
        await pilot.pause()
        assert_safe_frame(app, "stats")
        await pilot.press("escape")
        await pilot.pause()
        await pilot.press("slash", *"[/b]")
        await pilot.pause()
        assert [o.product_name for o in screen.view.rows] == [TEXTS["markup_close"],
                                                             TEXTS["markup_mixed"]]  # fmt: skip
        assert_safe_frame(app, "search")
        assert app.is_running
