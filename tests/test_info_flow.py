"""Information topics through the real Application: texts, the bill items list, patterns."""

from __future__ import annotations

from bot.domain.info_topics import topics
from bot.text.i18n import items, t
from bot.tools.simulator import text_of


def labels(replies) -> list[str]:
    return [label for call in replies for row in call.inline for label, _ in row]


async def open_topics(user):
    await user.send(t("menu.tariffs"))
    return await user.tap(t("tariffs_menu.topics"))


async def test_every_topic_is_listed_and_text_topics_come_from_the_locale(running):
    user = running.user(701)
    replies = await open_topics(user)
    assert replies[-1].text == t("info.prompt")
    assert [t(item.title) for item in topics()] == labels(replies)[:len(topics())]
    replies = await user.tap(t("info.titles.incident"))
    assert replies[-1].text == t("info.bodies.incident", emergency="۱۲۲")
    assert "۱۲۲" in replies[-1].text
    replies = await user.tap(t("info.button_topics"))
    replies = await user.tap(t("info.titles.disconnection"))
    assert replies[-1].text == t("info.bodies.disconnection")
    assert "۷. " in replies[-1].text
    for topic_id in ("reading_to_bill", "read_meter", "why_high"):
        replies = await user.press(f"info:t:{topic_id}")
        assert replies[-1].text == t(f"info.bodies.{topic_id}")


async def test_read_meter_from_the_tariff_menu(running):
    user = running.user(702)
    await user.send(t("menu.tariffs"))
    replies = await user.tap(t("info.titles.read_meter"))
    assert "ارقام قرمز" in replies[-1].text and "سیاه" in replies[-1].text


async def test_bill_items_paged_and_picked_by_number_across_a_restart(running):
    user = running.user(703)
    entries = items("info.bill_items")
    assert len(entries) == 31
    replies = await user.press("info:t:bill_items")
    first = replies[-1].text
    assert first.startswith(t("info.list_page", title=t("info.titles.bill_items"), page=1, pages=4))
    assert t("info.list_item", number=1, text=entries[0]) in first
    assert t("info.list_item", number=9, text=entries[8]) not in first
    replies = await user.tap(t("tariffs_menu.page_next"))
    assert t("info.list_item", number=9, text=entries[8]) in replies[-1].text

    for bad in ("سی‌ویک", "۳۲", "0"):
        replies = await user.send(bad)
        assert replies[0].text == t("info.bad_item_number", count=31, text=bad)
    await running.restart()
    replies = await user.send("۳۱")
    assert replies[0].text == t("info.list_item", number=31, text=entries[30])
    assert "مهلت پرداخت" in replies[0].text
    replies = await user.send("27")
    assert "کسر" in replies[0].text
    await user.send("/cancel")
    replies = await user.send("۵")  # no step waits for it any more
    assert replies[0].text == t("understand.not_understood")


async def test_pattern_by_typed_name_and_by_buttons(running):
    user = running.user(704)
    await user.send(t("menu.tariffs"))
    replies = await user.tap(t("info.titles.pattern"))
    assert replies[-1].text == t("info.pattern.ask")

    replies = await user.send("ونیز")
    assert replies[0].text == t("info.pattern.not_found", query="ونیز")
    replies = await user.send("آباد")
    assert replies[0].text == t("info.pattern.many", query="آباد")
    assert {"نجف‌آباد", "بستان‌آباد"} <= set(labels(replies))
    await running.restart()
    replies = await user.send("شهرستان مبارکه")
    answer = replies[0].text
    assert "مبارکه" in answer and "۱۶ مترمکعب برای هر واحد در ماه" in answer
    assert "تا ۳۲ مترمکعب" in answer
    assert t("info.pattern.basis_city") in answer

    replies = await user.press("info:t:pattern")
    replies = await user.tap("خراسان رضوی")
    assert replies[-1].text == t("info.pattern.pick_place", page=1, pages=2)
    replies = await user.tap("مشهد")
    answer = replies[-1].text
    assert "۱۵ مترمکعب" in answer
    assert t("info.pattern.basis_rural_map", urban=18, rural="۱۵") in answer

    replies = await user.press("info:pc:east-azarbaijan-urban-1398:tabriz")
    assert "۱۸ مترمکعب" in replies[-1].text
    assert t("info.pattern.basis_schedule") in replies[-1].text
    replies = await user.press("info:pc:east-azarbaijan-urban-1398:atlantis")  # forged
    assert replies[-1].text == t("info.pattern.ask")


async def test_cancel_while_asked_for_a_place(running):
    user = running.user(705)
    await user.press("info:t:pattern")
    replies = await user.send("/cancel")
    assert replies[0].text == t("common.cancelled")
    assert "info" not in running.app.user_data[705]
    replies = await user.send("مشهد")  # no step waits for it any more
    assert replies[0].text in (t("understand.not_understood"), t("understand.did_you_mean"))
    assert "مشهد" not in text_of(replies)
