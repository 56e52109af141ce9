"""kameng-tui: a terminal order tracker for 卡盟 / 发卡 (virtual-goods) platforms."""

__version__ = "0.1.0"
