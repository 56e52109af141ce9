"""`orders` against shops rebuilt from their source: every watched order printed with its
status, product and amount, none lost without a word (the bugs of issue 10)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from kameng_tui.cli import main
from tests.backends.fake_dujiaoka import FakeDujiaoka, FakeOrder
from tests.servers import serve

# app/Models/Order.php statuses, and the failure text of app/Service/OrderProcessService.php
# style that once made an order "not found".
ORDERS = {
    "AAAAAAAAAAAAAAA1": FakeOrder(1),
    "AAAAAAAAAAAAAAA2": FakeOrder(2),
    "AAAAAAAAAAAAAAA3": FakeOrder(3),
    "AAAAAAAAAAAAAAA4": FakeOrder(4, info="CARD-1 PIN-1\nCARD-2 PIN-2", buy_amount=2),
    "AAAAAAAAAAAAAAA5": FakeOrder(5, info="充值账号不存在，请核对后重新下单"),
    "AAAAAAAAAAAAAAA6": FakeOrder(6, info="库存不足"),
    "AAAAAAAAAAAAAAA7": FakeOrder(-1),
}
EXPECTED = {
    "AAAAAAAAAAAAAAA1": "pending_payment",
    "AAAAAAAAAAAAAAA2": "paid",
    "AAAAAAAAAAAAAAA3": "delivering",
    "AAAAAAAAAAAAAAA4": "completed",
    "AAAAAAAAAAAAAAA5": "failed",
    "AAAAAAAAAAAAAAA6": "abnormal",
    "AAAAAAAAAAAAAAA7": "cancelled",
}


@pytest.mark.parametrize(
    ("theme", "lang", "fork"),
    [("unicorn", "zh_CN", False), ("hyper", "zh_CN", False), ("hyper", "zh_TW", False),
     ("luna", "zh_TW", False), ("morpho", "zh_CN", True)],
)  # fmt: skip
def test_every_watched_dujiaoka_order_is_printed(
    theme: str, lang: str, fork: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    shop = FakeDujiaoka(orders=dict(ORDERS), theme=theme, lang=lang, fork=fork)
    watched = [*ORDERS, "TYPOTYPOTYPOTYPO"]
    with serve(shop.app()) as url:
        config = tmp_path / "c.toml"
        config.write_text(
            f'default_profile = "faka"\n[profiles.faka]\nplatform = "dujiaoka"\n'
            f'base_url = "{url}"\norders = {json.dumps(watched)}\n',
            encoding="utf-8",
        )
        code = main(["orders", "--format", "json"], environ={"KAMENG_TUI_CONFIG": str(config)})
    out, err = capsys.readouterr()
    assert code == 0
    records = {r["order_no"]: r for r in json.loads(out)}
    assert {no: r["status"] for no, r in records.items()} == EXPECTED
    for record in records.values():
        assert record["product_name"] == "腾讯Q币 100元"
        assert record["amount"] == "98.00"
        assert record["created_at"].startswith("2026-03-01T12:30:45+08:00")
    assert records["AAAAAAAAAAAAAAA4"]["card_codes"] == 2
    assert records["AAAAAAAAAAAAAAA4"]["quantity"] == 2
    assert err == "kameng-tui: faka: TYPOTYPOTYPOTYPO: the shop has no order with this number\n"
