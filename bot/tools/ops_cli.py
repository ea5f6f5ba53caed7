"""`python -m bot ops …`: the operators' actions for staff scripts and back-office systems.

Every action goes through bot/services/workflow.py, the same code path as the operators' buttons
in the bot (same checks, same audit trail, same notices). The actor is `cli:<name>`
(`--actor`, default the login name). Exit codes: 0 done, 1 refused (the reason on
stderr), 2 bad arguments.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import sys
from pathlib import Path
from typing import Any

from telegram.request import BaseRequest

from bot.domain.identifiers import TrackingCodeError, format_code, parse_code
from bot.domain.places import AreaError, find_area
from bot.notify import notices
from bot.notify.jobs import run_reminders
from bot.notify.notifier import Notifier
from bot.runtime.app import DEMO_TOKEN
from bot.runtime.platform import profile_for
from bot.runtime.sending import LimitedBot
from bot.runtime.settings import Settings, without_password
from bot.services import workflow
from bot.services.catalog import Service, home_schedule, process
from bot.services.stats import ServiceStats, service_stats
from bot.store import Store, is_postgres, open_store
from bot.text.fmt import digits, jalali_datetime
from bot.text.i18n import t
from bot.text.normalise import normalize_text, parse_int, to_ascii_digits
from bot.tools.terminal import say
from handlers.operator_views import card_text, document_title, done_text, queue_line
from handlers.request_view import process_title


def _help(name: str) -> str:
    return t(f"ops.cli_help.{name}")


def add_parser(subparsers: Any) -> None:
    """Add `ops` and its subcommands to the main parser's subparsers (help in Persian)."""
    ops = subparsers.add_parser("ops", help=_help("ops"), description=_help("ops"))
    ops.add_argument("--actor", default=None, help=_help("actor"))
    sub = ops.add_subparsers(dest="ops_command", required=True)
    lst = sub.add_parser("list", help=_help("list"))
    lst.add_argument("--service", help=_help("service"))
    lst.add_argument("--stage", help=_help("stage_filter"))
    lst.add_argument("--age", type=int, help=_help("age"))
    lst.add_argument("--limit", type=int, default=50, help=_help("limit"))
    lst.add_argument("--tsv", action="store_true", help=_help("tsv"))
    sub.add_parser("show", help=_help("show")).add_argument("code", help=_help("code"))
    # An action refuses (exit 1, «stale») when the request is not as the caller saw it.
    seen = argparse.ArgumentParser(add_help=False)
    seen.add_argument("--expect-stage", metavar="STAGE", help=_help("expect_stage"))
    seen.add_argument("--expect-version", type=int, metavar="N", help=_help("expect_version"))
    move = sub.add_parser("move", help=_help("move"), parents=[seen])
    move.add_argument("code", help=_help("code"))
    move.add_argument("stage", nargs="?", help=_help("stage"))
    move.add_argument("--note", help=_help("note_for_applicant"))
    inv = sub.add_parser("invoice", help=_help("invoice"), parents=[seen])
    inv.add_argument("code", help=_help("code"))
    how = inv.add_mutually_exclusive_group(required=True)
    how.add_argument("amount", nargs="?", help=_help("amount"))
    how.add_argument("--from-tariff", action="store_true", help=_help("from_tariff"))
    inv.add_argument("--note", help=_help("note_for_applicant"))
    doc = sub.add_parser("ask-document", help=_help("ask_document"), parents=[seen])
    doc.add_argument("code", help=_help("code"))
    doc.add_argument("document", help=_help("document"))
    doc.add_argument("--note", help=_help("note_for_applicant"))
    rej = sub.add_parser("reject", help=_help("reject"), parents=[seen])
    rej.add_argument("code", help=_help("code"))
    rej.add_argument("--reason", required=True, help=_help("reason"))
    rej.add_argument("--yes", action="store_true", help=_help("skip_question"))
    close = sub.add_parser("close", help=_help("close"), parents=[seen])
    close.add_argument("code", help=_help("code"))
    close.add_argument("--note", help=_help("note_for_applicant"))
    close.add_argument("--yes", action="store_true", help=_help("skip_question"))
    note = sub.add_parser("note", help=_help("note"), parents=[seen])
    note.add_argument("code", help=_help("code"))
    note.add_argument("text", help=_help("note_text"))
    out = sub.add_parser("outage", help=_help("outage"))
    out.add_argument("city", help=_help("city"))
    out.add_argument("--zone", help=_help("zone"))
    out.add_argument("--from", dest="start", required=True, help=_help("from"))
    out.add_argument("--to", dest="end", required=True, help=_help("to"))
    out.add_argument("--reason", "--text", dest="reason", required=True, help=_help("outage_reason"))
    out.add_argument("--yes", action="store_true", help=_help("skip_question"))
    box = sub.add_parser("outbox", help=_help("outbox"))
    box.add_argument("--list", action="store_true", help=_help("outbox_list"))
    box.add_argument("--chat", type=int, help=_help("outbox_chat"))
    box.add_argument("--limit", type=int, default=100, help=_help("limit"))
    pend = sub.add_parser("notify-pending", help=_help("notify_pending"))
    pend.add_argument("--wait", action="store_true", help=_help("wait"))
    sub.add_parser("remind", help=_help("remind"))
    sub.add_parser("stats", help=_help("stats"))
    sub.add_parser("alerts", help=_help("alerts"))
    sub.add_parser("late", help=_help("late"))
    unknown = sub.add_parser("unknown", help=_help("unknown"))
    unknown.add_argument("--limit", type=int, default=30, help=_help("limit"))


def database_or_refusal(settings: Settings) -> tuple[str, str | None]:
    """The database an `ops` command works on, and why it must not run, if so.

    Staff run these commands from wherever they are; with no ABFA_DATABASE the default
    path is relative to the working directory, and opening it would silently create an
    empty database there. So the command says which file it uses and refuses one that
    does not exist (the bot, `migrate` or `import` create it). A PostgreSQL URL is used
    as it is (shown without its password).
    """
    if is_postgres(settings.database):
        return without_password(settings.database), None
    path = Path(settings.database).expanduser().resolve()
    if not path.is_file():
        return str(path), t("ops.cli_no_database")
    return str(path), None


async def run(args: argparse.Namespace, settings: Settings, *,
              request: BaseRequest | None = None) -> int:
    """Run one `ops` subcommand; `request` replaces the network (tests)."""
    path, refusal = database_or_refusal(settings)
    # The path is printed as it is (ASCII digits): it is typed back in shells and scripts.
    say(f"{t('ops.cli_database')} {path}", file=sys.stderr)
    if refusal:
        say(t("ops.cli_error", message=refusal), file=sys.stderr)
        return 1
    store = await open_store(settings.database if is_postgres(settings.database) else path)
    try:
        return await _dispatch(args, settings, store, request)
    except workflow.WorkflowError as exc:
        say(t("ops.cli_error", message=t(f"ops.error_{exc.code}")), file=sys.stderr)
        return 1
    except notices.OutageError as exc:
        say(t("ops.cli_error", message=t(f"ops.outage_error_{exc.code}")
                if exc.code != "reason" else t("ops.outage_error_reason", max=200)),
              file=sys.stderr)
        return 1
    except AreaError as err:
        say(t("ops.cli_error", message=_area_error(err, args.city)), file=sys.stderr)
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
        return await _list(store, args)
    if command == "show":
        return await _show(store, _code(args.code))
    if command == "notify-pending":
        return await _notify(settings, store, request, args.wait)
    if command == "stats":
        _print_stats(service_stats(await store.closed_requests()))
        return 0
    if command == "outbox":
        return await _outbox(settings, store, args)
    if command == "remind":
        say(t("ops.cli_reminders", count=await run_reminders(store, settings)))
        return 0
    if command == "unknown":  # count, last seen (UTC date), the masked text
        for row in await store.unknown_texts(args.limit):
            say(f"{row.count}\t{row.last_seen[:10]}\t{row.text}")
        return 0
    if command == "late":
        say(t("ops.cli_late", count=await workflow.notify_late(store)))
        return 0
    if command == "alerts":
        count = await workflow.alert_operators(store, settings.operators_chat)
        say(t("ops.cli_alerts", count=count))
        return 0
    if command == "outage":
        return await _outage(store, args, actor)
    code = _code(args.code)
    arg = ""
    view = workflow.View(version=args.expect_version, stage=args.expect_stage)
    if command == "move":
        stage = await _pick(store, code, args.stage, "stages") if args.stage else None
        outcome = await workflow.move(store, code, stage, actor, args.note, view=view)
    elif command == "invoice":
        amount = None if args.from_tariff else workflow.parse_amount(args.amount)
        outcome = await workflow.issue_invoice(store, code, amount, actor, args.note, view=view)
    elif command == "ask-document":
        arg = await _pick(store, code, args.document, "documents")
        outcome = await workflow.ask_document(store, code, arg, actor, args.note, view=view)
    elif command == "reject":
        workflow.check_reason(args.reason)
        if not await _sure(store, code, args, t("ops.cli_sure_reject", reason=args.reason)):
            return 1
        outcome = await workflow.reject(store, code, args.reason, actor, view=view)
    elif command == "close":
        if not await _sure(store, code, args, t("ops.cli_sure_close")):
            return 1
        outcome = await workflow.close(store, code, actor, args.note, view=view)
    else:
        outcome = await workflow.add_note(store, code, args.text, actor, view=view)
    say(await done_text(store, outcome, arg))
    return 0


STATS_HEADER = ("kind", "service", "title", "closed", "median_hours", "p90_hours",
                "catalog_hours", "median_over_catalog", "average_rating", "ratings")


def _print_stats(rows: list[ServiceStats]) -> None:
    """Tab-separated, one line per service, with a header (for people and scripts)."""
    say("\t".join(STATS_HEADER))
    for row in rows:
        over = {None: "-", True: "yes", False: "no"}[row.over_catalog]
        say("\t".join(str(v) for v in (
            row.kind, row.service, row.title, row.closed, row.median_hours, row.p90_hours,
            "-" if row.catalog_hours is None else row.catalog_hours, over,
            "-" if row.average_rating is None else row.average_rating, row.ratings)))


async def _list(store: Store, args: argparse.Namespace) -> int:
    """Open requests, oldest first: Persian lines for people, `--tsv` ids for scripts."""
    rows, total = await store.request_queue(service=args.service, stage=args.stage,
                                            min_age_days=args.age, limit=args.limit)
    for row in rows:
        if args.tsv:  # tab-separated for scripts: codes and ids keep ASCII digits
            say(f"{row.code}\t{row.kind}\t{row.service}\t{row.stage}\t{row.status}\t"
                  f"{row.created_at.isoformat()}")
        else:
            say(queue_line(row))
    if not args.tsv:
        say(t("ops.cli_list_total", shown=len(rows), total=total))
    return 0


async def _pick(store: Store, code: str, text: str, what: str) -> str:
    """A stage or document of the request's service by its number in `ops show`, its
    Persian title or its id (for scripts); what the clerk typed if none matches (the
    workflow then refuses it)."""
    request = await store.request_row(code)
    proc = process(request.kind, request.service) if request else None
    items = (getattr(proc, what, ()) or ()) if proc else ()
    clean = normalize_text(text)
    number = parse_int(clean)
    if number is not None and 1 <= number <= len(items):
        return items[number - 1].id
    for item in items:
        if clean in {item.id, normalize_text(getattr(item, "title", ""))}:
            return item.id
    return clean


async def _sure(store: Store, code: str, args: argparse.Namespace, question: str) -> bool:
    """Ask before what cannot be undone: `--yes`, or «بله» typed at a terminal."""
    request = await store.request_row(code)
    if request is None:
        raise workflow.WorkflowError("not_found")
    if request.status != "open":
        raise workflow.WorkflowError("finished")
    if args.yes:
        return True
    header = t("ops.cli_sure_header", code=format_code(code), service=process_title(request))
    if not sys.stdin.isatty():
        say(t("ops.cli_error", message=t("ops.cli_needs_yes")), file=sys.stderr)
        return False
    answer = input(f"{header}\n{question} ")
    if normalize_text(answer).lower() in YES:
        return True
    say(t("ops.not_done"), file=sys.stderr)
    return False


YES = {"بله", "آره", "اره", "y", "yes"}


async def _outage(store: Store, args: argparse.Namespace, actor: str) -> int:
    """A planned outage: the place by its Persian name (or id) and zone, a preview with the
    number of chats, then the notices on `--yes` or «بله» at a terminal."""
    place_text = args.city if args.zone is None else f"{args.city} {args.zone}"
    area = find_area(place_text, home_schedule())
    outage = notices.build_outage(area.place.city, area.zone, _moment(args.start),
                                  _moment(args.end), args.reason)
    count = len(await store.outage_chats(outage.city, outage.zone))
    say(t("ops.outage_preview", count=count, text=notices.outage_text(outage)))
    if not count:
        say(t("ops.outage_none"))
        return 0
    if not args.yes:
        if not sys.stdin.isatty():
            say(t("ops.cli_error", message=t("ops.cli_needs_yes")), file=sys.stderr)
            return 1
        if normalize_text(input(t("ops.cli_sure_outage", count=count) + " ")).lower() not in YES:
            say(t("ops.outage_cancelled"))
            return 1
    _, sent = await notices.enqueue_outage(store, outage, actor)
    say(t("ops.outage_sent", count=sent))
    return 0


def _area_error(err: AreaError, text: str) -> str:
    if err.code == "zone":
        zones = "، ".join(digits(z) for z in err.zones)
        city = err.suggestions[0].name
        return (t("ops.outage_error_zone", city=city, zones=zones) if zones
                else t("ops.outage_error_no_zones", city=city))
    if err.suggestions:
        return t("ops.cli_place_suggest", text=text,
                 names="، ".join(p.name for p in err.suggestions))
    return t("ops.outage_error_place", text=text)


def _moment(text: str) -> Any:
    day, _, clock = to_ascii_digits(text).strip().partition(" ")
    return notices.parse_moment(day, clock.strip())


async def _show(store: Store, code: str) -> int:
    """The request's file as in the bot, then its service's stages and documents numbered
    (for `move` and `ask-document`) and the files it has."""
    found = await store.request_row(code)
    if found is None:
        raise workflow.WorkflowError("not_found")
    say(await card_text(store, found))
    proc = process(found.kind, found.service)
    if proc is not None:
        say(t("ops.cli_stages"))
        for number, stage in enumerate(proc.stages, 1):
            mark = t("ops.cli_current") if stage.id == found.stage else ""
            say(t("ops.cli_numbered", number=number, title=stage.title) + mark)
    if isinstance(proc, Service) and proc.documents:
        say(t("ops.cli_documents"))
        for number, spec in enumerate(proc.documents, 1):
            say(t("ops.cli_numbered", number=number, title=spec.title))
    files = await store.request_rows(found.id, "documents")
    if files:
        say(t("ops.cli_files"))
    for doc in files:  # the file id is printed as it is: it is what fetches the file
        media = t("ops.cli_media_photo") if doc["media"] == "photo" else t("ops.cli_media_file")
        say(f"{t('ops.cli_file', title=document_title(proc, doc['doc_type']), media=media)} "
              f"{doc['file_id']}")
    say(t("ops.cli_version", version=found.version))  # for --expect-version
    return 0


async def _notify(settings: Settings, store: Store, request: BaseRequest | None,
                  wait: bool) -> int:
    profile = profile_for(settings)
    token = settings.token.get_secret_value() if settings.has_token and settings.token else (
        DEMO_TOKEN)
    bot = LimitedBot(token, base_url=profile.base_url, base_file_url=profile.base_file_url,
                     request=request, get_updates_request=request)
    await bot.initialize()
    try:
        notifier = Notifier(bot, store, per_second=profile.messages_per_second,
                            per_chat_second=profile.messages_per_chat_second)
        report = await notifier.drain(wait_retries=wait)
    finally:
        await bot.shutdown()
    say(t("ops.cli_outbox", sent=report.sent, failed=report.failed, retried=report.retried,
            floods=report.floods))
    return 0


async def _outbox(settings: Settings, store: Store, args: argparse.Namespace) -> int:
    """The outbox at a glance: counts, what waits grouped by kind and reason (tab-separated:
    messages, chats, kind, oldest, next try, reason), groups that moved to a new id; with
    --list or --chat, the pending messages themselves."""
    counts = await store.outbox_counts()
    print(t("ops.cli_outbox_counts", pending=counts.pending, sent=counts.sent,
            failed=counts.failed))
    waiting = await store.outbox_waiting()
    if waiting:
        print(t("ops.cli_outbox_waiting"))
    for group in waiting:
        reason = group.reason or t("ops.cli_outbox_not_tried")
        print(f"{group.messages}\t{group.chats}\t{group.kind}\t{jalali_datetime(group.oldest)}"
              f"\t{jalali_datetime(group.next_try)}\t{_one_line(reason)}")
    moved = await store.chat_migrations()
    if moved:
        print(t("ops.cli_outbox_migrated"))
    for item in moved:
        print(f"{item.old_chat_id}\t{item.new_chat_id}\t{jalali_datetime(item.migrated_at)}")
        if item.old_chat_id == settings.operators_chat:
            print(t("ops.cli_outbox_stale_setting", setting="ABFA_OPERATORS_CHAT"))
            print(f"ABFA_OPERATORS_CHAT={item.new_chat_id}")
    if args.list or args.chat is not None:
        rows = await store.outbox_messages(chat_id=args.chat, status="pending")
        for row in rows[:args.limit]:
            print(f"{row['id']}\t{row['chat_id']}\t{row['kind']}\t{row['attempts']}"
                  f"\t{_stamp(row['created_at'])}\t{_stamp(row['not_before'])}"
                  f"\t{_one_line(row['last_error'] or t('ops.cli_outbox_not_tried'))}")
    return 0


def _stamp(iso: str) -> str:
    return jalali_datetime(dt.datetime.fromisoformat(iso))


def _one_line(text: str) -> str:
    return " ".join(text.split())[:200]
