"""«🏠 اشتراک‌های من»: link several subscriptions to one chat with a nickname each; unlink.

Conversation `subs` (draft `user_data["subs"]`: subscriber id, then nickname): number →
nickname → ownership proof (handlers/ownership.py: the phone contact, or a payment ID of one
of the last three bills typed at the same step) → linked and verified. Nothing is stored
until ownership is proven, so /cancel or a mismatching phone leaves no half-made link.
The list shows each link with buttons `bill:show:<subscriber>` (handlers/bills.py) and
`subs:del:<subscriber>` → `subs:delok:<subscriber>` (confirm) or `subs:keep`.
"""

from __future__ import annotations

from telegram import Update
from telegram.ext import (
    CallbackQueryHandler,
    CommandHandler,
    ConversationHandler,
    MessageHandler,
    filters,
)

from bot.runtime.app import Ctx
from bot.runtime.conversations import end_conversations
from bot.text import fmt
from bot.text.i18n import items, t
from bot.text.keyboards import button_filter, choices, inline, main_menu
from bot.text.normalise import digits_only
from handlers.common import ID, answer_query, message_text, reply, show
from handlers.ownership import (
    ask_proof,
    check_contact,
    check_payment_proof,
    find_subscriber,
    has_phone,
    link_verified,
    looks_like_payment_id,
    owned,
    phone_on_record,
    proof_error,
    verify_error,
)

NAME = "subs"
ASK_NUMBER, NICKNAME, VERIFY = range(3)
DRAFT_STATES = (NICKNAME, VERIFY)  # handlers/recovery.py
NICKNAME_LIMIT = 30


async def list_text(ctx: Ctx, chat_id: int) -> tuple[str, list[list[tuple[str, str]]]]:
    """The chat's subscriptions as text and their buttons (empty when none)."""
    links = await ctx.store.links(chat_id)
    if not links:
        return t("subs.empty"), []
    rows = [t("subs.list_title")]
    buttons = []
    for link in links:
        status = (t("subs.unverified") if not link.verified else
                  t("subs.verified_by_bill") if link.proof == "bill" else t("subs.verified"))
        rows.append(t("subs.list_item", nickname=link.nickname, status=status,
                      number=fmt.digits(link.subscriber.subscription_number)))
        row = [(t("subs.button_remove", nickname=link.nickname), f"subs:del:{link.subscriber.id}")]
        if link.verified:
            row.insert(0, (t("subs.button_bill", nickname=link.nickname),
                           f"bill:show:{link.subscriber.id}"))
        buttons.append(row)
    return "\n".join(rows), buttons


async def show_list(update: Update, ctx: Ctx) -> int:
    """List the linked subscriptions; with none yet, ask for the first number."""
    ctx.user_data.pop(NAME, None)
    text, buttons = await list_text(ctx, update.effective_chat.id)
    if not buttons:
        await reply(update, text)
        return await ask_number(update, ctx)
    await reply(update, text, inline(buttons))
    await reply(update, t("subs.add_prompt"), choices([t("subs.button_add")], columns=1))
    return ConversationHandler.END


async def ask_number(update: Update, ctx: Ctx) -> int:
    """Ask for the subscription number or bill ID to add (leaving any other flow)."""
    await answer_query(update)
    end_conversations(ctx.application, update, ctx.user_data)
    ctx.user_data[NAME] = {}
    await reply(update, t("subs.ask_number"), choices([]))
    return ASK_NUMBER


restart = ask_number  # a step whose draft was lost asks for the number again


async def got_number(update: Update, ctx: Ctx) -> int:
    """Find the subscription and ask for its nickname."""
    subscriber, error = await find_subscriber(update, ctx, message_text(update))
    if subscriber is None:
        await reply(update, error or t("bills.unknown"))
        return ASK_NUMBER
    link = await owned(ctx, update.effective_chat.id, subscriber.id)
    if link is not None:
        ctx.user_data.pop(NAME, None)
        await reply(update, t("subs.already_linked", nickname=link.nickname), main_menu())
        return ConversationHandler.END
    if not has_phone(subscriber) and await ctx.store.latest_bill(subscriber.id) is None:
        ctx.user_data.pop(NAME, None)
        await reply(update, verify_error("no_phone"), main_menu())
        return ConversationHandler.END
    ctx.user_data[NAME] = {"subscriber_id": subscriber.id}
    await reply(update, t("subs.ask_nickname"), choices(items("subs.nickname_suggestions")))
    return NICKNAME


async def got_nickname(update: Update, ctx: Ctx) -> int:
    """Keep the nickname; link at once if the chat's phone is already proven, else ask."""
    nickname = " ".join(message_text(update).split())
    if not 0 < len(nickname) <= NICKNAME_LIMIT or digits_only(nickname) is not None:
        await reply(update, t("subs.bad_nickname", limit=NICKNAME_LIMIT))
        return NICKNAME
    draft = ctx.user_data.setdefault(NAME, {})
    draft["nickname"] = nickname
    subscriber = await ctx.store.subscriber(int(draft.get("subscriber_id", 0)))
    if subscriber is None:
        return await expired(update, ctx)
    if await phone_on_record(ctx, update.effective_chat.id, subscriber):
        return await _added(update, ctx)
    await ask_proof(update, subscriber, await ctx.store.latest_bill(subscriber.id) is not None)
    return VERIFY


async def got_contact(update: Update, ctx: Ctx) -> int:
    """Check the shared contact; link only when it matches the phone on file."""
    draft = ctx.user_data.get(NAME) or {}
    subscriber = await ctx.store.subscriber(int(draft.get("subscriber_id", 0)))
    if subscriber is None or "nickname" not in draft:
        return await expired(update, ctx)
    error = await check_contact(update, ctx, subscriber)
    if error in ("no_owner", "not_own", "bad_phone"):
        await reply(update, verify_error(error))
        return VERIFY
    if error is not None:
        ctx.user_data.pop(NAME, None)
        await reply(update, verify_error(error), main_menu())
        return ConversationHandler.END
    return await _added(update, ctx, done=t("subs.verify.done"))


async def _added(update: Update, ctx: Ctx, proof: str = "phone", done: str | None = None) -> int:
    """Link the proven subscription: `done` (the proof accepted) and «added» in one message
    with the main menu, then the list with its buttons."""
    draft = ctx.user_data.pop(NAME)
    subscriber = await ctx.store.subscriber(int(draft["subscriber_id"]))
    assert subscriber is not None
    await link_verified(ctx, update, subscriber, draft["nickname"], rename=True, proof=proof)
    added = t("subs.added", nickname=draft["nickname"])
    await reply(update, f"{done}\n{added}" if done else added, main_menu())
    text, buttons = await list_text(ctx, update.effective_chat.id)
    await reply(update, text, inline(buttons))
    return ConversationHandler.END


async def got_text_at_proof(update: Update, ctx: Ctx) -> int:
    """Typed text where a proof is expected: a payment ID of one of the last three bills
    proves ownership (handlers/ownership.py); anything else, use the button."""
    text = message_text(update)
    if not looks_like_payment_id(text):
        await reply(update, t("subs.verify.press_button"))
        return VERIFY
    draft = ctx.user_data.get(NAME) or {}
    subscriber = await ctx.store.subscriber(int(draft.get("subscriber_id", 0)))
    if subscriber is None or "nickname" not in draft:
        return await expired(update, ctx)
    error = await check_payment_proof(update, ctx, subscriber, text)
    if error is not None:
        await reply(update, proof_error(error))
        return VERIFY
    return await _added(update, ctx, proof="bill", done=t("own.done_bill"))


async def expired(update: Update, ctx: Ctx) -> int:
    """The draft is gone (should not happen): start over from the menu."""
    ctx.user_data.pop(NAME, None)
    await reply(update, t("common.expired_button"), main_menu())
    return ConversationHandler.END


# --- unlinking ---------------------------------------------------------------------------


async def confirm_remove(update: Update, ctx: Ctx) -> None:
    """`subs:del:<subscriber>`: ask before unlinking."""
    await answer_query(update)
    link = await ctx.store.link(update.effective_chat.id, int(update.callback_query.data.split(":")[2]))
    if link is None:
        await reply(update, t("subs.not_linked"), main_menu())
        return
    await show(update, ctx, t("subs.confirm_remove", nickname=link.nickname), inline([[
        (t("subs.button_confirm_remove"), f"subs:delok:{link.subscriber.id}"),
        (t("subs.button_keep"), "subs:keep"),
    ]]))


async def remove(update: Update, ctx: Ctx) -> None:
    """`subs:delok:<subscriber>`: unlink and show the list."""
    await answer_query(update)
    chat_id = update.effective_chat.id
    link = await ctx.store.link(chat_id, int(update.callback_query.data.split(":")[2]))
    if link is None or not await ctx.store.unlink_subscription(chat_id, link.subscriber.id):
        await reply(update, t("subs.not_linked"), main_menu())
        return
    text, buttons = await list_text(ctx, chat_id)
    await show(update, ctx, t("subs.removed", nickname=link.nickname), None)
    await reply(update, text, inline(buttons) if buttons else main_menu())


async def keep(update: Update, ctx: Ctx) -> None:
    """`subs:keep`: nothing removed; show the list again."""
    await answer_query(update)
    text, buttons = await list_text(ctx, update.effective_chat.id)
    await show(update, ctx, text, inline(buttons) if buttons else None)


def build() -> list:
    """This module's handlers, built anew for each application."""
    return [
        ConversationHandler(
            name=NAME,
            persistent=True,
            allow_reentry=True,
            entry_points=[
                MessageHandler(button_filter("menu.subscriptions"), show_list),
                MessageHandler(button_filter("subs.button_add"), ask_number),
                CommandHandler("subscriptions", show_list),
            ],
            states={
                ASK_NUMBER: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_number)],
                NICKNAME: [MessageHandler(filters.TEXT & ~filters.COMMAND, got_nickname)],
                VERIFY: [
                    MessageHandler(filters.CONTACT, got_contact),
                    MessageHandler(filters.TEXT & ~filters.COMMAND, got_text_at_proof),
                ],
            },
            fallbacks=[],
        ),
        CallbackQueryHandler(confirm_remove, pattern=rf"^subs:del:{ID}$"),
        CallbackQueryHandler(remove, pattern=rf"^subs:delok:{ID}$"),
        CallbackQueryHandler(keep, pattern=r"^subs:keep$"),
    ]
