"""`python -m bot ops …`: the operators' actions for staff scripts and back-office systems.

Every action goes through bot/services/workflow.py, the same code path as the operators' buttons
in the bot (same checks, same audit trail, same notices). The actor is `cli:<name>`
(`--actor`, default the login name). Exit codes: 0 done, 1 refused (the reason on
stderr), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from pathlib import Path
from typing import Any

from telegram.ext import ExtBot
from telegram.request import BaseRequest

from bot.app import DEMO_TOKEN
from bot.identifiers import TrackingCodeError, parse_code
from bot.notify import notices
from bot.notify.jobs import run_reminders
from bot.notify.notifier import Notifier
from bot.platform import profile_for
from bot.services import workflow
from bot.services.stats import ServiceStats, service_stats
from bot.settings import Settings
from bot.store import SqliteStore, Store
from bot.text.fmt import jalali_datetime
from bot.text.i18n import t


def add_parser(subparsers: Any) -> None:
    """Add `ops` and its subcommands to the main parser's subparsers."""
    ops = subparsers.add_parser("ops", help="operator actions on requests; outbox and notices")
    ops.add_argument("--actor", default=None, help="who acts (audit trail): cli:<actor>")
    sub = ops.add_subparsers(dest="ops_command", required=True)
    lst = sub.add_parser("list", help="open requests and incidents, oldest first")
    lst.add_argument("--service")
    lst.add_argument("--stage")
    lst.add_argument("--age", type=int, help="only those older than this many days")
    lst.add_argument("--limit", type=int, default=50)
    sub.add_parser("show", help="one request's file").add_argument("code")
    move = sub.add_parser("move", help="move to STAGE (default: the next stage)")
    move.add_argument("code")
    move.add_argument("stage", nargs="?")
    move.add_argument("--note")
    inv = sub.add_parser("invoice", help="issue the invoice (rials, or --from-tariff)")
    inv.add_argument("code")
    how = inv.add_mutually_exclusive_group(required=True)
    how.add_argument("amount", nargs="?")
    how.add_argument("--from-tariff", action="store_true")
    inv.add_argument("--note")
    doc = sub.add_parser("ask-document", help="ask the applicant for a document of the service")
    doc.add_argument("code")
    doc.add_argument("document")
    doc.add_argument("--note")
    rej = sub.add_parser("reject", help="reject with a reason the applicant is told")
    rej.add_argument("code")
    rej.add_argument("--reason", required=True)
    close = sub.add_parser("close", help="close a request that is done")
    close.add_argument("code")
    close.add_argument("--note")
    note = sub.add_parser("note", help="an internal note (audit trail only)")
    note.add_argument("code")
    note.add_argument("text")
    out = sub.add_parser("outage", help="planned outage notice to every verified chat of a city")
    out.add_argument("city", help="city id of the tariff schedules")
    out.add_argument("--zone", type=int)
    out.add_argument("--from", dest="start", required=True, help='"1405/09/02 10:00" (Tehran)')
    out.add_argument("--to", dest="end", required=True, help='"1405/09/02 14:00" (Tehran)')
    out.add_argument("--reason", "--text", dest="reason", required=True)
    pend = sub.add_parser("notify-pending", help="deliver the outbox once and exit")
    pend.add_argument("--wait", action="store_true", help="also wait for messages backing off")
    sub.add_parser("remind", help="queue today's payment reminders")
    sub.add_parser("stats", help="per service: closed requests, median and 90th-percentile "
                                 "hours to close against the catalog, average rating")
    sub.add_parser("alerts", help="queue new-request alerts for the operators' group")


def database_or_refusal(settings: Settings) -> tuple[Path, str | None]:
    """The database an `ops` command works on, and why it must not run, if so.

    Staff run these commands from wherever they are; with no ABFA_DATABASE the default
    path is relative to the working directory, and opening it would silently create an
    empty database there. So the command says which file it uses and refuses one that
    does not exist (the bot, `migrate` or `import` create it).
    """
    path = Path(settings.database).expanduser().resolve()
    if not path.is_file():
        return path, t("ops.cli_no_database")
    return path, None


async def run(args: argparse.Namespace, settings: Settings, *,
              request: BaseRequest | None = None) -> int:
    """Run one `ops` subcommand; `request` replaces the network (tests)."""
    path, refusal = database_or_refusal(settings)
    # The path is printed as it is (ASCII digits): it is typed back in shells and scripts.
    print(f"{t('ops.cli_database')} {path}", file=sys.stderr)
    if refusal:
        print(t("ops.cli_error", message=refusal), file=sys.stderr)
        return 1
    store = await SqliteStore(path).open()
    try:
        return await _dispatch(args, settings, store, request)
    except workflow.WorkflowError as exc:
        print(t("ops.cli_error", message=t(f"ops.error_{exc.code}")), file=sys.stderr)
        return 1
    except notices.OutageError as exc:
        key = "ops.outage_error_place" if exc.code == "place" else f"ops.outage_error_{exc.code}"
        params = {"example": "tabriz"} if exc.code == "place" else {}
        print(t("ops.cli_error", message=t(key, **params)), file=sys.stderr)
        return 1
    finally:
        await store.close()


def _code(text: str) -> str:
    try:
        return parse_code(text)
    except TrackingCodeError:
        raise workflow.WorkflowError("not_found") from None


async def _dispatch(args: argparse.Namespace, settings: Settings, store: Store,
                    request: BaseRequest | None) -> int:
    actor = f"cli:{args.actor or getpass.getuser()}"
    command = args.ops_command
    if command == "list":
        rows, _ = await store.request_queue(service=args.service, stage=args.stage,
                                            min_age_days=args.age, limit=args.limit)
        for row in rows:  # tab-separated for scripts: codes keep ASCII digits
            print(f"{row.code}\t{row.kind}\t{row.service}\t{row.stage}\t{row.status}\t"
                  f"{jalali_datetime(row.created_at)}")
        return 0
    if command == "show":
        return await _show(store, _code(args.code))
    if command == "notify-pending":
        return await _notify(settings, store, request, args.wait)
    if command == "stats":
        _print_stats(service_stats(await store.closed_requests()))
        return 0
    if command == "remind":
        print(t("ops.cli_reminders", count=await run_reminders(store, settings)))
        return 0
    if command == "alerts":
        count = await workflow.alert_operators(store, settings.operators_chat)
        print(t("ops.cli_alerts", count=count))
        return 0
    if command == "outage":
        outage = notices.build_outage(
            args.city if args.zone is None else f"{args.city}:{args.zone}",
            _moment(args.start), _moment(args.end), args.reason)
        async with store.transaction() as conn:
            event, count = await notices.enqueue_outage(conn, outage, actor)
        print(t("ops.cli_outage", event=event, count=count))
        return 0
    code = _code(args.code)
    if command == "move":
        outcome = await workflow.move(store, code, args.stage, actor, args.note)
    elif command == "invoice":
        amount = None if args.from_tariff else workflow.parse_amount(args.amount)
        outcome = await workflow.issue_invoice(store, code, amount, actor, args.note)
    elif command == "ask-document":
        outcome = await workflow.ask_document(store, code, args.document, actor, args.note)
    elif command == "reject":
        outcome = await workflow.reject(store, code, args.reason, actor)
    elif command == "close":
        outcome = await workflow.close(store, code, actor, args.note)
    else:
        outcome = await workflow.add_note(store, code, args.text, actor)
    print(f"{outcome.code}\t{outcome.action}\t{outcome.stage}\t{outcome.status}")
    return 0


STATS_HEADER = ("kind", "service", "title", "closed", "median_hours", "p90_hours",
                "catalog_hours", "median_over_catalog", "average_rating", "ratings")


def _print_stats(rows: list[ServiceStats]) -> None:
    """Tab-separated, one line per service, with a header (for people and scripts)."""
    print("\t".join(STATS_HEADER))
    for row in rows:
        over = {None: "-", True: "yes", False: "no"}[row.over_catalog]
        print("\t".join(str(v) for v in (
            row.kind, row.service, row.title, row.closed, row.median_hours, row.p90_hours,
            "-" if row.catalog_hours is None else row.catalog_hours, over,
            "-" if row.average_rating is None else row.average_rating, row.ratings)))


def _moment(text: str) -> Any:
    day, _, clock = text.strip().partition(" ")
    return notices.parse_moment(day, clock)


async def _show(store: Store, code: str) -> int:
    from handlers.operator_views import request_card

    found = await store.request_row(code)
    if found is None:
        raise workflow.WorkflowError("not_found")
    history = await store.request_rows(found.id, "request_stages")
    documents = await store.request_rows(found.id, "documents")
    subscriber = await store.subscriber(found.subscriber_id) if found.subscriber_id else None
    print(request_card(found, history, len(documents),
                       (subscriber.subscription_number, subscriber.name) if subscriber else None))
    for doc in documents:
        print(f"{doc['doc_type']}\t{doc['media']}\t{doc['file_id']}")
    return 0


async def _notify(settings: Settings, store: Store, request: BaseRequest | None,
                  wait: bool) -> int:
    profile = profile_for(settings)
    token = settings.token.get_secret_value() if settings.has_token and settings.token else (
        DEMO_TOKEN)
    bot = ExtBot(token, base_url=profile.base_url, base_file_url=profile.base_file_url,
                 request=request, get_updates_request=request)
    await bot.initialize()
    try:
        notifier = Notifier(bot, store, per_second=profile.messages_per_second,
                            per_chat_second=profile.messages_per_chat_second)
        report = await notifier.drain(wait_retries=wait)
    finally:
        await bot.shutdown()
    print(t("ops.cli_outbox", sent=report.sent, failed=report.failed, retried=report.retried,
            floods=report.floods))
    return 0
