"""The quick way of reading a clean page (kameng_tui/api/wire.py): the same orders as the
careful way, timelines packed and nothing the cycle collector must scan; anything unclean sends
the page the careful way, with the same outcome."""

from __future__ import annotations

import gc
import json
from typing import Any

import msgspec
import pytest

from kameng_tui.api import structs, wire
from kameng_tui.api.wire import decode_order, decode_order_json, decode_page, encode_order, page_of
from kameng_tui.backends.demo import DemoPlatform
from kameng_tui.domain.clock import FIXED_EPOCH, ManualClock
from kameng_tui.domain.order import Order, PackedTimeline
from kameng_tui.domain.text import FIELD_LIMIT, LIST_LIMIT
from tests.hostile.corpus import hostile_order

DEMO = DemoPlatform(orders=400, clock=ManualClock(FIXED_EPOCH)).orders()
ORDER = encode_order(hostile_order(1, "plain"))
EVENT = ORDER["timeline"][0]


def body(*items: Any) -> bytes:
    return json.dumps({"data": list(items), "cursor": "c", "more": True, "total": 9}).encode()


def careful(page: bytes) -> wire.Page:
    return page_of(json.loads(page))


@pytest.mark.parametrize(
    ("quick", "wire_struct"),
    [
        (wire._QuickOrder, structs.Order),
        (wire._QuickEvent, structs.TimelineEvent),
        (wire._QuickLabel, structs.Label),
        (wire._QuickRefund, structs.Refund),
    ],
)
def test_the_quick_structs_follow_the_wire_format(
    quick: type[msgspec.Struct], wire_struct: type[msgspec.Struct]
) -> None:
    """Same fields, same required ones, same defaults: the two ways read the same orders."""

    def shape(struct: type[msgspec.Struct]) -> list[tuple[str, bool, object]]:
        fields = msgspec.structs.fields(struct)
        return [(f.name, f.required, f.default) for f in fields]

    assert shape(quick) == shape(wire_struct)


def test_a_clean_page_is_read_the_quick_way_into_the_same_orders() -> None:
    """Packed timelines show the quick way was taken: the careful way makes tuples."""
    page = wire.encode_page(DEMO, "c", True, len(DEMO))
    quick = decode_page(page)
    assert quick == careful(page)
    assert quick.orders == DEMO
    # Labels, refunds, codes and several events each: the demo has them all.
    assert any(o.label for o in DEMO) and any(o.refund for o in DEMO)
    assert any(o.card_codes for o in DEMO) and min(len(o.timeline) for o in DEMO) >= 1
    for order in quick.orders:
        assert isinstance(order.timeline, PackedTimeline)
        # Nothing an order holds is for the cycle collector to scan (at 100,000 orders its
        # full passes froze the screen): tuples of events were.
        assert not gc.is_tracked(order) and not gc.is_tracked(order.timeline)


@pytest.mark.parametrize(
    "change",
    [
        {"product_name": "長" * (FIELD_LIMIT + 1)},  # cut, with its mark
        {"shop": "a\x1fb" + "x" * FIELD_LIMIT},
        {"product_name": None},  # a null where a field has a default
        {"timeline": [{**EVENT, "note": str(i)} for i in range(LIST_LIMIT + 2)]},
        {"card_codes": ["c"] * (LIST_LIMIT + 1)},
        {"paid_at": "1970-01-01T00:00:00+00:00"},  # plausible, near the end
        {"paid_at": "2999-12-31T23:00:00-00:30"},
        {"paid_at": "1969-12-31T23:59:59+00:00"},  # not: the order is left out
        {"timeline": [{**EVENT, "at": "3000-01-01T00:00:00Z"}]},
        {"created_at": "2026-11-25 10:00:00+08:00"},  # ISO 8601, not RFC 3339
        {"amount": "1e15"},
        {"refund": {"amount": "x"}},
        {"timeline": [{**EVENT, "status": "teleported"}]},  # kept, flagged
        {"timeline": [{"at": EVENT["at"], "status": "paid"}]},  # raw status: the status
        {"label": {"text": "t", "code": "mystery", "actor": "martian"}},
    ],
)
def test_anything_unclean_gives_what_the_careful_way_gives(change: dict[str, Any]) -> None:
    page = body(ORDER, {**ORDER, **change, "order_no": "KM2"}, ORDER)
    result = decode_page(page)
    assert result == careful(page)
    # Order by order: the clean ones beside it still go the quick way.
    first, last = result.orders[0], result.orders[-1]
    assert isinstance(first.timeline, PackedTimeline) and isinstance(last.timeline, PackedTimeline)


def test_a_page_of_many_shops_events_packs_each_once() -> None:
    """Free texts (notes) come and go; the table of them does not grow without end."""
    events = [{**EVENT, "note": f"note {i}"} for i in range(5)]
    page = body(*({**ORDER, "order_no": f"KM{i}", "timeline": events} for i in range(50)))
    result = decode_page(page)
    assert result == careful(page)
    assert len({o.timeline.data[-10:] for o in result.orders}) == 1  # type: ignore[attr-defined]


def test_a_saved_order_is_read_back_the_quick_way() -> None:
    """The history saves orders as encode_order's JSON; a second start reads 100,000 back."""
    for order in DEMO[:50]:
        text = json.dumps(encode_order(order), ensure_ascii=False)
        back = decode_order_json(text)
        assert back == order == decode_order(json.loads(text))
        assert isinstance(back.timeline, PackedTimeline)
    odd = json.dumps({**ORDER, "paid_at": "2026-11-25 10:00:00+08:00"})
    assert decode_order_json(odd) == decode_order(json.loads(odd))
    with pytest.raises(wire.WireError, match=r"order\.amount: not a decimal"):
        decode_order_json(json.dumps({**ORDER, "amount": "x"}))
    with pytest.raises(ValueError):
        decode_order_json("{not json")


def test_an_order_is_an_order() -> None:
    assert all(isinstance(o, Order) for o in decode_page(body(ORDER)).orders)
