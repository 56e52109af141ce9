"""The one message catalogue: every user-visible text, English and Simplified Chinese side by side.

Keys are dotted names; `Messages` binds a language and formats with `str.format`.
Enum-valued keys (statuses, product types, actors, label codes) are derived from the enum value, so
adding a status without its texts fails the catalogue test.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from enum import StrEnum


class Lang(StrEnum):
    EN = "en"
    ZH = "zh"


def detect_lang(environ: Mapping[str, str]) -> Lang:
    """zh for a zh* locale in LC_ALL, LC_MESSAGES or LANG (first one set wins), else en."""
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = environ.get(var, "")
        if value:
            return Lang.ZH if value.lower().startswith("zh") else Lang.EN
    return Lang.EN


# key: (en, zh)
CATALOGUE: dict[str, tuple[str, str]] = {
    # statuses
    "status.pending_payment": ("Pending payment", "待支付"),
    "status.paid": ("Paid", "已支付/待处理"),
    "status.delivering": ("Delivering", "发货中"),
    "status.completed": ("Completed", "已完成"),
    "status.cancelled": ("Cancelled", "已取消"),
    "status.failed": ("Failed", "发货失败"),
    "status.abnormal": ("Abnormal", "异常"),
    "status.refunded": ("Refunded", "已退款"),
    "status.unreadable": ("Unreadable", "无法读取"),
    # short badges for the list (fit 10 cells)
    "badge.pending_payment": ("UNPAID", "待支付"),
    "badge.paid": ("PAID", "已支付"),
    "badge.delivering": ("DELIVERING", "发货中"),
    "badge.completed": ("DONE", "已完成"),
    "badge.cancelled": ("CANCELLED", "已取消"),
    "badge.failed": ("FAILED", "发货失败"),
    "badge.abnormal": ("ABNORMAL", "异常"),
    "badge.refunded": ("REFUNDED", "已退款"),
    "badge.unreadable": ("UNREADABLE", "无法读取"),
    # Why a watched order could not be read (ReadProblem), for the list's label column.
    "problem.not_found": (
        "not found on the shop: check the number",
        "平台上没有这个订单号：请核对单号",
    ),
    "problem.not_yours": (
        "not visible with this profile's login",
        "此配置的登录账号看不到这个订单",
    ),
    "problem.unreadable": (
        "the shop's page for it cannot be read",
        "平台返回的订单页面无法读取",
    ),
    "problem.rate_limited": (
        "waiting for its turn: the shop's rate limit",
        "排队等待：平台限制了请求频率",
    ),
    # product types
    "type.game_card": ("Game card", "游戏点卡"),
    "type.phone_topup": ("Phone top-up", "话费充值"),
    "type.virtual_service": ("Virtual service", "虚拟服务"),
    "type.other": ("Other", "其他"),
    # Short forms for the order list's type column.
    "type_short.game_card": ("Game card", "游戏点卡"),
    "type_short.phone_topup": ("Top-up", "话费充值"),
    "type_short.virtual_service": ("Service", "虚拟服务"),
    "type_short.other": ("Other", "其他"),
    # who acts
    "actor.nobody": ("Nobody: the platform handles it", "无需操作：平台自动处理"),
    "actor.customer": ("The customer", "客户"),
    "actor.support": ("Support", "客服"),
    # label reasons
    "reason.maintenance": ("Delivery delayed by maintenance", "系统维护导致延迟发货"),
    "reason.carrier_error": ("Carrier / upstream API error", "运营商或上游接口异常"),
    "reason.account_invalid": ("Recharge account is wrong", "充值账号信息有误"),
    "reason.out_of_stock": ("Out of card codes", "卡密库存不足"),
    "reason.callback_lost": ("Payment callback lost", "支付回调丢失"),
    "reason.other": ("Other", "其他原因"),
    # attention reasons
    "attention.waiting_support": ("Waiting on support", "等待客服处理"),
    "attention.overdue": ("Past promised delivery", "已超过承诺发货时间"),
    "attention.stalled": ("No update for too long", "长时间未更新"),
    "attention.waiting_customer": ("Waiting on the customer", "等待客户处理"),
    "attention.pay_window_closed": (
        "Payment window closed, still unpaid (callback lost?)",
        "支付时限已过仍未支付（回调丢失？）",
    ),
    "attention.pay_window_closing": ("Pay window closing", "支付即将超时"),
    # Short forms for the list's label column, for orders without a platform label.
    "hint.waiting_support": ("Needs support", "待客服处理"),
    "hint.overdue": ("Overdue", "超时未发货"),
    "hint.stalled": ("Stalled", "长时间无更新"),
    "hint.waiting_customer": ("Needs customer", "待客户处理"),
    "hint.pay_window_closed": ("Window closed, unpaid", "超时仍未支付"),
    "hint.pay_window_closing": ("Pay window closing", "即将超时未付"),
    # relative time
    "age.now": ("just now", "刚刚"),
    "age.minutes": ("{n}m ago", "{n}分钟前"),
    "age.hours": ("{n}h ago", "{n}小时前"),
    "age.days": ("{n}d ago", "{n}天前"),
    "in.seconds": ("in {n}s", "{n}秒后"),
    "in.minutes": ("in {n}m", "{n}分钟后"),
    "in.hours": ("in {n}h", "{n}小时后"),
    "in.days": ("in {n}d", "{n}天后"),
    # header
    "app.title": ("kameng-tui", "kameng-tui 卡盟订单"),
    "header.platform": ("{platform} · {profile}", "{platform} · {profile}"),
    "header.shown": ("{shown} of {total} orders", "显示 {shown} / 共 {total} 单"),
    "header.updated": ("updated {age}", "更新于{age}"),
    "header.never": ("not updated yet", "尚未更新"),
    "header.stale": ("last known data (stale)", "上次的数据（未刷新）"),
    "refresh.auto": ("auto every {n}s", "每 {n} 秒自动刷新"),
    "refresh.paused": ("paused", "已暂停"),
    "refresh.refreshing": ("refreshing…", "刷新中…"),
    "refresh.loading": ("loading…", "加载中…"),
    "refresh.error": ("error: {error} · retry in {n}s", "错误：{error} · {n} 秒后重试"),
    "refresh.error_long": ("error: {error} · retry in {n} min", "错误：{error} · {n} 分钟后重试"),
    "platform.demo": ("Demo platform", "演示平台"),
    "platform.kameng": ("kameng API", "kameng 接口"),
    "platform.dujiao-next": ("Dujiao-Next", "Dujiao-Next"),
    "platform.dujiaoka": ("dujiaoka", "独角数卡"),
    "platform.acg-faka": ("acg-faka", "异次元发卡"),
    "profile.demo": ("offline demo", "离线演示"),
    # sidebar
    "sidebar.attention": ("Needs attention", "需要处理"),
    "sidebar.all": ("All", "全部"),
    "sidebar.types": ("Product type", "商品类型"),
    "sidebar.statuses": ("Status", "订单状态"),
    # list columns
    "col.order_no": ("Order no.", "订单号"),
    "col.product": ("Product", "商品"),
    "col.type": ("Type", "类型"),
    "col.amount": ("Amount", "金额"),
    "col.status": ("Status", "状态"),
    "col.updated": ("Updated", "更新"),
    "col.label": ("Label", "标签"),
    "col.urgency": ("Urgency", "紧急程度"),
    "list.empty": ("No orders match.", "没有符合条件的订单。"),
    "list.loading": ("Loading orders…", "正在加载订单…"),
    # search
    "search.placeholder": (
        "Search: words, or status:failed type:phone age:>10m label:… (Esc clears)",
        "搜索：关键词，或 status:failed type:phone age:>10m label:…（Esc 清除）",
    ),
    "query.error.quote": ("A quote is not closed", "引号没有闭合"),
    "query.error.empty": (
        "{field}: needs a value, e.g. {example}",
        "{field}：缺少值，例如 {example}",
    ),
    "query.error.status": (
        "status:{value}: no such status; one of {choices}",
        "status:{value}：没有这个状态；可用 {choices}",
    ),
    "query.error.type": (
        "type:{value}: no such type; one of {choices}",
        "type:{value}：没有这个类型；可用 {choices}",
    ),
    "query.error.age": (
        "age:{value}: use <, > and a number with s, m, h or d, e.g. age:>10m",
        "age:{value}：请用 < 或 > 加数字和单位 s、m、h、d，例如 age:>10m",
    ),
    "query.ignored": ("{error} (not applied)", "{error}（未应用）"),
    # detail pane
    "detail.none": ("Select an order to see its details.", "选择一个订单查看详情。"),
    "detail.raw_status": ("raw status: {raw}", "平台原始状态：{raw}"),
    "detail.label": ("Label", "状态标签"),
    "detail.reason": ("Reason", "原因"),
    "detail.who": ("Who must act", "谁需要处理"),
    "detail.next": ("What to do next", "下一步"),
    "detail.attention": ("Needs attention", "需要处理"),
    "detail.fields": ("Order", "订单信息"),
    "detail.timeline": ("Timeline", "状态时间线"),
    "detail.codes": ("Card codes", "卡密"),
    "detail.codes_masked": ("{n} code(s), masked: c shows them", "共 {n} 个，已隐藏：按 c 显示"),
    "detail.codes_shown": (
        "{n} code(s), shown for 30 s: c hides them, Y copies them",
        "共 {n} 个，显示 30 秒：按 c 隐藏，按 Y 复制",
    ),
    "detail.refund": ("Refund", "退款"),
    "detail.not_read": ("Not read because", "未能读取的原因"),
    "detail.shop_said": ("Detail", "详细信息"),
    "field.order_no": ("Order no.", "订单号"),
    "field.shop": ("Shop", "店铺"),
    "col.shop": ("Shop", "店铺"),
    "sidebar.shops": ("Shops", "店铺"),
    "shops.title": ("Shops ({n})", "店铺（{n}）"),
    "shops.footer": ("Esc close", "Esc 关闭"),
    "shops.shop": ("Shop", "店铺"),
    "shops.platform": ("Platform", "平台"),
    "shops.orders": ("Orders", "订单"),
    "shops.state": ("Polling", "刷新"),
    "shops.failing": ("failing, retry in {n}s", "出错，{n} 秒后重试"),
    "header.shops": ("{n} shops", "{n} 个店铺"),
    "header.failing": ("{n} failing: {shop} — {error}", "{n} 个出错：{shop} — {error}"),
    "field.product": ("Product", "商品"),
    "field.type": ("Type", "类型"),
    "field.merchant": ("Merchant", "商家"),
    "field.verified": ("verified", "已验证"),
    "field.unverified": ("not verified", "未验证"),
    "field.quantity": ("Quantity", "数量"),
    "field.amount": ("Amount", "金额"),
    "field.account": ("Recharge account", "充值账号"),
    "field.created": ("Created", "下单时间"),
    "field.paid": ("Paid", "支付时间"),
    "field.updated": ("Updated", "更新时间"),
    "field.delivered": ("Delivered", "发货时间"),
    "field.pay_deadline": ("Pay by", "支付截止"),
    "field.promised": ("Promised by", "承诺发货"),
    "field.refund": ("Refund", "退款"),
    "field.none": ("—", "—"),
    # keys (footer and help)
    "key.quit": ("Quit", "退出"),
    "key.help": ("Help", "帮助"),
    "key.refresh": ("Refresh", "刷新"),
    "key.pause": ("Pause", "暂停"),
    "key.search": ("Search", "搜索"),
    "key.clear": ("Clear", "清除"),
    "key.sort": ("Sort", "排序"),
    "key.sort_reverse": ("Reverse sort", "反向排序"),
    "key.sidebar": ("Sidebar", "侧栏"),
    "key.detail": ("Details", "详情"),
    "key.focus_next": ("Next pane", "下一区域"),
    "key.attention": ("Attention", "待处理"),
    "key.lang": ("Language", "语言"),
    "key.close": ("Close", "关闭"),
    "key.cursor_down": ("Down", "下移"),
    "key.cursor_up": ("Up", "上移"),
    "key.page_down": ("Page down", "下一页"),
    "key.page_up": ("Page up", "上一页"),
    "key.first": ("First order", "第一单"),
    "key.last": ("Last order", "最后一单"),
    "key.done": ("Back to the list", "返回列表"),
    "key.codes": ("Card codes", "卡密"),
    "key.profiles": ("Profiles", "切换配置"),
    "key.pin": ("Follow", "跟进"),
    "key.actions": ("Actions", "操作"),
    "key.sort_urgency": ("Urgent first", "紧急优先"),
    "key.open": ("Open", "打开"),
    "key.palette": ("Commands", "命令"),
    "key.quit_ctrl_q": ("Quit", "退出"),
    "key.sidebar_down": ("Down", "下移"),
    "key.sidebar_up": ("Up", "上移"),
    "palette.sort": ("Sort by {column}", "按{column}排序"),
    "palette.sort_help": ("Sort the list by this column", "按此列排序列表"),
    "toast.help_quit": ("Press {keys} to quit", "按 {keys} 退出"),
    "toast.help_quit_title": ("Do you want to quit?", "要退出吗？"),
    "detail.full_footer": ("Esc or Enter returns to the list", "按 Esc 或 Enter 返回列表"),
    "action.sync": ("Force a status sync (状态刷新)", "强制状态刷新"),
    "action.urge": ("Urge delivery (催单)", "催单"),
    "action.appeal": ("Appeal (订单申诉)", "订单申诉"),
    "action.fix_account": ("Correct the account and redeliver", "修改账号并重新发货"),
    "action.confirm_receipt": ("Confirm receipt (确认收货)", "确认收货"),
    "action.cancel": ("Cancel the unpaid order", "取消未支付订单"),
    "action.retry_delivery": ("Staff: deliver again", "客服：重新发货"),
    "action.refund": ("Staff: refund", "客服：退款"),
    "action.mark_paid": ("Staff: mark as paid (payment checked)", "客服：核实付款后标记已支付"),
    "actions.title": ("Actions on {no}", "对 {no} 的操作"),
    "actions.footer": ("Enter runs · Esc cancels", "Enter 执行 · Esc 取消"),
    "actions.none": ("Nothing can be done on this order here", "此订单当前没有可执行的操作"),
    "actions.read_only": ("Read-only profile: no actions", "只读配置：不能执行操作"),
    "actions.text.appeal": ("Your message for the appeal", "申诉说明"),
    "actions.text.fix_account": ("The correct recharge account", "正确的充值账号"),
    "actions.text.mark_paid": ("Note: how the payment was checked", "备注：如何核实的付款"),
    "actions.confirm": ("{action} for order {no}?", "确定对订单 {no} 执行「{action}」？"),
    "actions.confirm_keys": ("y yes · n no", "y 确定 · n 取消"),
    "actions.done": ("{action}: done for {no}", "{action}：{no} 已完成"),
    "actions.failed": ("{action} failed: {error}", "{action} 失败：{error}"),
    "palette.action": ("Action: {action}", "操作：{action}"),
    "key.stats": ("Stats", "统计"),
    "key.shops": ("Shops", "店铺"),
    "stats.title": ("Stats · {n} orders", "统计 · 共 {n} 单"),
    "stats.footer": ("Esc or t closes", "按 Esc 或 t 关闭"),
    "stats.by_status": ("Orders by status", "按状态"),
    "stats.by_type": ("Orders by product type", "按商品类型"),
    "stats.delivery": ("Delivery time, paid to delivered", "发货用时（付款到发货）"),
    "stats.type": ("Type", "类型"),
    "stats.measured": ("Orders", "订单数"),
    "stats.minutes": ("{n} min", "{n} 分钟"),
    "stats.reasons": ("Why orders fail or wait", "失败与等待的原因"),
    "stats.per_hour": ("New orders per hour, last 24 hours", "最近 24 小时每小时新订单"),
    "stats.per_hour_axis": (
        "24 h ago … now · highest {n}/h",
        "24 小时前 … 现在 · 最高 {n} 单/小时",
    ),
    "palette.goto": ("Go to order {no}", "跳到订单 {no}"),
    "palette.profile": ("Switch to profile {name}", "切换到配置 {name}"),
    "palette.urgency": (
        "Sort by urgency: orders needing attention first",
        "按紧急程度排序：需处理的订单在前",
    ),
    "list.updated_above": ("{n} updated", "{n} 单有更新"),
    "toast.pinned": (
        "Following {no}: its changes will be announced",
        "已标记跟进 {no}：状态变化时提醒",
    ),
    "toast.unpinned": ("No longer following {no}", "已取消跟进 {no}"),
    "toast.status_changed": ("{no}: {old} → {new}", "{no}：{old} → {new}"),
    "toast.many_changed": ("{n} orders changed status", "{n} 个订单状态有变化"),
    "key.copy_no": ("Copy no.", "复制单号"),
    "key.copy_codes": ("Copy codes", "复制卡密"),
    "toast.copied_no": ("Copied order number {no}", "已复制订单号 {no}"),
    "toast.copied_codes": ("Copied {n} card code(s) of {no}", "已复制 {no} 的 {n} 个卡密"),
    "toast.no_codes": ("This order has no card codes", "此订单没有卡密"),
    "key.watch": ("Watch", "监视单号"),
    "key.unwatch": ("Unwatch", "取消监视"),
    "key.cancel": ("Cancel", "取消"),
    "profiles.title": ("Profiles", "配置"),
    "profiles.footer": ("Enter switches · Esc cancels", "Enter 切换 · Esc 取消"),
    "watch.title": ("Watch an order", "监视订单号"),
    "watch.placeholder": ("order number", "订单号"),
    "toast.switched": ("Profile {name}", "已切换到配置 {name}"),
    "toast.watching": ("Watching {no}", "正在监视 {no}"),
    "toast.skipped": (
        "{n} malformed order(s) left out: {first}",
        "{n} 个订单数据异常，已跳过：{first}",
    ),
    "toast.unwatched": ("{no} is no longer watched", "已停止监视 {no}"),
    "toast.not_watchable": (
        "This profile lists every order: there is no watch list",
        "此配置列出全部订单，没有监视列表",
    ),
    # Longer texts for the help screen, where there is room.
    "keyhelp.search": (
        "Search as you type: order no., product, account, e-mail, merchant, label; keys "
        "status: type: age:>10m label: account: merchant: product: no:",
        "即时搜索：订单号、商品、账号、邮箱、商家、标签；可用 status: type: age:>10m label: "
        "account: merchant: product: no:",
    ),
    "keyhelp.sort_urgency": (
        "Sort by urgency: orders needing attention first, the longest waiting first",
        "按紧急程度排序：需处理的订单在前，等得最久的在前",
    ),
    "keyhelp.open": (
        "Open the order's details full screen (Esc returns)",
        "全屏查看订单详情（Esc 返回）",
    ),
    "keyhelp.palette": (
        "Command palette: commands, sorts, stats, profiles, language, go to an order",
        "命令面板：命令、排序、统计、配置、语言、跳到订单",
    ),
    "keyhelp.quit_ctrl_q": ("Quit", "退出"),
    "keyhelp.sidebar_down": ("Sidebar: next filter", "侧栏：下一个筛选"),
    "keyhelp.sidebar_up": ("Sidebar: previous filter", "侧栏：上一个筛选"),
    "keyhelp.clear": ("Clear the search, then the filters", "清除搜索，再清除筛选"),
    "keyhelp.sort": ("Sort by the next column", "按下一列排序"),
    "keyhelp.sort_reverse": ("Reverse the sort direction", "反转排序方向"),
    "keyhelp.refresh": ("Refresh now", "立即刷新"),
    "keyhelp.pause": ("Pause or resume auto refresh", "暂停或恢复自动刷新"),
    "keyhelp.attention": ("Only orders that need attention", "只看需处理的订单"),
    "keyhelp.sidebar": ("Show or hide the filter sidebar", "显示或隐藏筛选侧栏"),
    "keyhelp.detail": ("Show or hide the details", "显示或隐藏详情"),
    "keyhelp.codes": (
        "Show the selected order's card codes (masked again after 30 s or on the next order)",
        "显示所选订单的卡密（30 秒后或切换订单时自动隐藏）",
    ),
    "keyhelp.lang": ("Switch language (中文 / English)", "切换语言（中文 / English）"),
    "keyhelp.profiles": ("Switch to another profile", "切换到其他配置"),
    "keyhelp.actions": (
        "Act on the selected order: sync, urge, appeal, fix the account, confirm, cancel…",
        "对所选订单操作：状态刷新、催单、申诉、修改账号、确认收货、取消……",
    ),
    "keyhelp.shops": (
        "Shops: each one's polling, order count and last error",
        "店铺：各自的刷新状态、订单数和最近的错误",
    ),
    "keyhelp.stats": (
        "Stats: by status and type, delivery times, failure reasons, orders per hour",
        "统计：按状态和类型、发货用时、失败原因、每小时订单",
    ),
    "keyhelp.pin": (
        "Follow the selected order (★): its status changes are announced",
        "标记跟进所选订单（★）：状态变化时提醒",
    ),
    "keyhelp.copy_no": (
        "Copy the order number (OSC 52: works over SSH and tmux)",
        "复制订单号（OSC 52，SSH 和 tmux 中可用）",
    ),
    "keyhelp.copy_codes": (
        "Copy the selected order's card codes, without showing them",
        "复制所选订单的卡密（不在屏幕上显示）",
    ),
    "keyhelp.watch": (
        "Add an order number to this profile's watch list (saved in the config)",
        "将订单号加入此配置的监视列表（保存到配置文件）",
    ),
    "keyhelp.unwatch": ("Remove the selected order from the watch list", "将所选订单移出监视列表"),
    "keyhelp.focus_next": ("Next pane: list, sidebar, details", "下一区域：列表、侧栏、详情"),
    "help.title": ("Keys", "快捷键"),
    "help.key": ("Key", "按键"),
    "help.action": ("Action", "功能"),
    "help.general": ("General", "通用"),
    "help.orders": ("Orders", "订单"),
    "help.list": ("Order list", "订单列表"),
    "help.search": ("While searching", "搜索时"),
    "help.focus": ("Focus", "焦点"),
    "help.sidebar": ("Filter sidebar", "筛选侧栏"),
    "help.detail": ("Order details (full screen)", "订单详情（全屏）"),
    "help.mouse": ("Mouse", "鼠标"),
    "help.click": ("click", "单击"),
    "help.click_desc": ("Select an order; on a column title, sort", "选中订单；单击列标题排序"),
    "help.wheel": ("wheel", "滚轮"),
    "help.wheel_desc": ("Scroll", "滚动"),
    "help.footer": ("Esc or ? closes this screen", "按 Esc 或 ? 关闭"),
    "toast.sorted": ("Sorted by {column}, {direction}", "按{column}排序，{direction}"),
    "sort.asc": ("ascending", "升序"),
    "sort.desc": ("descending", "降序"),
    "toast.paused": ("Auto refresh paused", "已暂停自动刷新"),
    "toast.resumed": ("Auto refresh resumed", "已恢复自动刷新"),
    # Changes (issue 12): one line above the footer, and the log `l` opens.
    "changes.one": ("{product} → {status}", "{product} → {status}"),
    "changes.line": ("{n} order(s) changed: {items}", "{n} 个订单有变化：{items}"),
    "changes.idle": (
        "No status changes yet · l opens the change log",
        "暂无状态变化 · 按 l 查看变化记录",
    ),
    "changes.idle_last": (
        "Last change {at} · l opens the change log ({n})",
        "最近变化 {at} · 按 l 查看变化记录（{n} 条）",
    ),
    "changes.title": ("Changes · last {n}", "状态变化 · 最近 {n} 条"),
    "changes.footer": (
        "Enter goes to the order · Esc or l closes",
        "Enter 跳到订单 · Esc 或 l 关闭",
    ),
    "changes.empty": ("No status changes since the tracker started.", "启动以来没有状态变化。"),
    "changes.time": ("Time", "时间"),
    "changes.from_to": ("From → to", "从 → 到"),
    "key.changes": ("Changes", "变化记录"),
    "keyhelp.changes": (
        "The change log: recent status changes, with time, order, product, from → to",
        "变化记录：最近的状态变化（时间、订单、商品、从 → 到）",
    ),
    # Following
    "sidebar.followed": ("Followed ★", "跟进中 ★"),
    "toast.follow_not_saved": (
        "Followed orders could not be saved (settings file)",
        "跟进列表未能保存（设置文件）",
    ),
    # Header and list
    "header.read_only": ("read-only", "只读"),
    "list.unreachable": ("cannot reach the shop: {error}", "无法连接平台：{error}"),
    # Action safety
    "actions.footer_keys": (
        "a letter or Enter runs · Esc cancels",
        "按字母或 Enter 执行 · Esc 取消",
    ),
    "actions.question": (
        "{action}?\nOrder {no}\n{product} · {amount}",
        "确定「{action}」？\n订单 {no}\n{product} · {amount}",
    ),
    "actions.question_account": (
        "New account: {value} (was {old})",
        "新账号：{value}（原为 {old}）",
    ),
    "actions.question_text": ("Note: {value}", "说明：{value}"),
    "actions.pending": ("…pending", "…待确认"),
    "prompt.keys": ("Enter OK · Esc cancels", "Enter 确定 · Esc 取消"),
    "prompt.required": ("Required: type it, or Esc to cancel", "必填：请输入，或按 Esc 取消"),
    "account.empty": ("Type the new account", "请输入新账号"),
    "account.phone": (
        "A phone number: 11 digits starting with 1",
        "手机号：以 1 开头的 11 位数字",
    ),
    "account.qq": ("A QQ number: 5 to 11 digits", "QQ 号：5 到 11 位数字"),
    "account.spaces": ("An account has no spaces", "账号不能包含空格"),
}


def _playbook(key: str, en: str, zh: str) -> None:
    CATALOGUE[key] = (en, zh)


# The article's stuck-order playbook per status and label reason, for the person at the keys.
for _key, _en, _zh in [
    (
        "next.pending_payment",
        "Waiting for payment. If the customer paid, check the payment bill; "
        "the order is cancelled when the pay window closes.",
        "等待付款。若客户已付款，请核对支付账单；超过支付时限订单会自动取消。",
    ),
    (
        "next.paid",
        "Paid; goods are being prepared. Past the promised time, urge the merchant (催单).",
        "已付款，正在备货。超过承诺发货时间可联系客服催单。",
    ),
    (
        "next.delivering",
        "Delivering; 1–5 minutes of lag is normal. Wait.",
        "正在发货，1–5 分钟延迟属正常，请耐心等待。",
    ),
    (
        "next.completed",
        "Delivered. Ask the customer to check the codes or the credited account, "
        "then confirm receipt (确认收货). If nothing arrived, upload a screenshot and apply "
        "for a delivery check (发货异常核实): answered in 10–30 minutes.",
        "已发货。请客户核对卡密或到账情况，确认无误后确认收货。若未收到，请上传截图申请发货异常核实，"
        "一般 10–30 分钟内答复。",
    ),
    (
        "next.cancelled",
        "Cancelled (by the customer or unpaid in time). Nothing to do; order again if needed.",
        "订单已取消（主动取消或超时未支付）。无需处理，如需可重新下单。",
    ),
    (
        "next.failed",
        "Delivery failed. Platform-side failures are refunded to the original payment "
        "account: check the refund record; appeal (订单申诉) if it is missing.",
        "发货失败。平台原因导致的失败会自动退款至原支付账户，请查看退款记录；未到账可提交订单申诉。",
    ),
    (
        "next.abnormal",
        "Paid but cannot be delivered as is: support must step in (restock or refund).",
        "已付款但无法正常发货，需要客服介入（补货或退款）。",
    ),
    (
        "next.refunded",
        "Refunded. Tell the customer when the money arrives (see the refund record).",
        "已退款。请告知客户到账时间（见退款记录）。",
    ),
    (
        "next.maintenance",
        "Maintenance window: some game cards cannot be topped up now. Nobody needs "
        "to act; delivery continues when it ends.",
        "系统维护中：部分游戏点卡维护期间无法充值。无需操作，维护结束后自动继续发货。",
    ),
    (
        "next.carrier_error",
        "Carrier API error: the platform retries by itself. No action unless it "
        "ends in failure, which is refunded.",
        "运营商接口异常：平台会自动重试，无需操作；若最终失败会自动退款。",
    ),
    (
        "next.account_invalid",
        "The recharge account is wrong: the customer must correct it, then "
        "request redelivery (申请重新发货).",
        "充值账号有误：需客户修改账号信息后申请重新发货。",
    ),
    (
        "next.out_of_stock",
        "Out of card codes: support must restock and redeliver, or refund.",
        "卡密库存不足：需客服补货后重新发货，或办理退款。",
    ),
    (
        "next.callback_lost",
        "Shows unpaid but the customer paid: verify the payment bill, then mark "
        "it paid or force a status sync (状态刷新).",
        "显示待支付但客户已付款：核对支付账单后手动确认，或强制状态刷新。",
    ),
    (
        "next.other",
        "Unclear state: self-check (payment, changed info, maintenance), then use the "
        "platform's tools (online support, appeal, status sync).",
        "状态不明：先自查（是否已付款、是否改过信息、是否维护时段），再使用平台工具（在线客服、订单申诉、状态刷新）。",
    ),
    (
        "next.overdue",
        "Past the promised delivery time: force a status sync, then urge (催单) or "
        "appeal (订单申诉) with the order number and payment proof.",
        "已超过承诺发货时间：先强制状态刷新，再催单或提交订单申诉（附订单号和支付凭证）。",
    ),
    (
        "next.problem.not_found",
        "The shop has no order with this number. Check it with the customer (a typo, a "
        "missing prefix, another shop); if it is wrong, remove it from the watch list with x "
        "and watch the right number with w.",
        "平台上没有这个订单号。请与客户核对单号（是否输错、漏了前缀、是否在别的店铺下单）；"
        "若单号有误，按 x 将其移出监视列表，再按 w 监视正确的单号。",
    ),
    (
        "next.problem.not_yours",
        "The order exists, but this profile's login may not see it: it was probably placed "
        "with another account or shop. Switch to the profile it belongs to (P), or fix this "
        "profile's login; x removes it from this watch list.",
        "订单存在，但此配置的登录账号无权查看：可能是用其他账号或在其他店铺下的单。"
        "请切换到对应的配置（P），或修正此配置的登录信息；按 x 可将其移出监视列表。",
    ),
    (
        "next.problem.unreadable",
        "The shop answered, but not in a form this tracker can read (a changed or an error "
        "page). It is asked again on every poll; if it stays so, look the order up on the "
        "shop's site and report the detail above.",
        "平台有回应，但内容无法读取（页面改版或返回了错误页）。每次刷新都会重试；"
        "若一直如此，请到平台网站上查看该订单，并反馈上面的详细信息。",
    ),
    (
        "next.problem.rate_limited",
        "Nothing to do: the shop limits how often orders may be asked, so this one waits "
        "for a later poll.",
        "无需操作：平台限制了查询频率，此订单将在之后的刷新中读取。",
    ),
    (
        "next.unreadable",
        "The order could not be read this time; it is asked again on every poll.",
        "本次未能读取此订单，每次刷新都会重试。",
    ),
    (
        "next.pay_window_closed",
        "The pay window has closed but the order still shows unpaid and was not cancelled. "
        "If the customer says they paid, the payment callback may be lost: verify the "
        "payment bill, then force a status sync (状态刷新) or mark it paid.",
        "支付时限已过，订单仍显示未支付且未被取消。若客户称已付款，可能是支付回调丢失："
        "请核对支付账单，再强制状态刷新或手动确认已支付。",
    ),
    (
        "next.stalled",
        "No update for a long time: force a status sync; if it still does not move, "
        "contact support by phone or WeChat with the order number and screenshots.",
        "长时间未更新：先强制状态刷新；仍无变化请通过电话或微信公众号联系客服，并提供订单号和截图。",
    ),
]:
    _playbook(_key, _en, _zh)


class Messages:
    """Texts in one language."""

    def __init__(self, lang: Lang) -> None:
        self.lang = lang
        self._column = 0 if lang is Lang.EN else 1

    def has(self, key: str) -> bool:
        return key in CATALOGUE

    def __call__(self, key: str, **params: object) -> str:
        pair = CATALOGUE.get(key)
        if pair is None:
            return key
        text = pair[self._column]
        return text.format(**params) if params else text

    def enum(self, prefix: str, value: StrEnum) -> str:
        return self(f"{prefix}.{value.value}")

    def age(self, seconds: float) -> str:
        """A compact 'how long ago' for a non-negative number of seconds, to the minute.

        Ages are on screen for every row and tick as time passes; seconds would repaint them
        every second, which over SSH costs more than they tell (exact times are in the detail)."""
        return self._span("age", seconds)

    def until(self, seconds: float) -> str:
        return self._span("in", seconds)

    def _span(self, prefix: str, seconds: float) -> str:
        s = int(max(seconds, 0))
        if prefix == "age" and s < 60:
            return self("age.now")
        if s < 60:
            return self(f"{prefix}.seconds", n=s)
        if s < 3600:
            return self(f"{prefix}.minutes", n=s // 60)
        if s < 86400:
            return self(f"{prefix}.hours", n=s // 3600)
        return self(f"{prefix}.days", n=s // 86400)

    def timestamp(self, when: datetime | None) -> str:
        if when is None:
            return self("field.none")
        return when.astimezone().strftime("%Y-%m-%d %H:%M:%S")
