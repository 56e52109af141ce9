"""What kind of product an order is, when a platform does not say (only a title)."""

from __future__ import annotations

from kameng_tui.domain.status import ProductType

# Checked in order: a "话费" title is a top-up even if it also says "充值卡".
_KEYWORDS: tuple[tuple[ProductType, tuple[str, ...]], ...] = (
    (ProductType.PHONE_TOPUP, ("话费", "移动", "联通", "电信", "流量", "phone", "top-up", "topup")),
    (
        ProductType.GAME_CARD,
        ("点卡", "点券", "q币", "游戏", "steam", "钱包", "一卡通", "game", "gift card"),
    ),
    (
        ProductType.VIRTUAL_SERVICE,
        ("会员", "vip", "月卡", "年卡", "季卡", "网盘", "视频", "音乐", "绿钻", "membership"),
    ),
)


def guess_product_type(title: str) -> ProductType:
    folded = title.casefold()
    for product_type, words in _KEYWORDS:
        if any(word in folded for word in words):
            return product_type
    return ProductType.OTHER
