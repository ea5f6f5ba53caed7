"""`python -m bot …`: run the bot, the console demo, imports, demo data, operator actions."""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from bot.runtime.settings import Settings

log = logging.getLogger("bot")


def build_parser() -> argparse.ArgumentParser:
    """The command-line interface."""
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    sub.add_parser("run", help="run the bot (polling, or webhook when configured); "
                               "with no token, the console demo")
    demo = sub.add_parser("demo", help="console chat with the real bot on the demo database")
    demo.add_argument("--size", type=int, default=3000, help="subscribers in a new demo database")
    data = sub.add_parser("demo-data", help="create a database with generated demo data")
    data.add_argument("--database", help="SQLite file or postgresql:// URL (default: the demo database)")
    data.add_argument("--size", type=int, default=3000)
    data.add_argument("--seed", type=int, default=1398)
    imp = sub.add_parser("import", help="import the utility's CSV exports (docs/import.md)")
    imp.add_argument("kind", choices=("subscribers", "bills", "payments"))
    imp.add_argument("file", type=Path)
    imp.add_argument("--accept-valid", action="store_true",
                     help="import the valid rows even when some are rejected")
    sub.add_parser("migrate", help="apply database migrations and print the schema version")
    qr = sub.add_parser("qr", help="PNG QR code of the link that opens a bill's inquiry")
    qr.add_argument("number", help="subscription number or bill ID")
    qr.add_argument("--payment-id", help="with a bill ID: that one bill")
    qr.add_argument("--output", type=Path, help="PNG file (default: qr-NUMBER.png)")
    qr.add_argument("--username", help="the bot's username (default: ABFA_BOT_USERNAME)")
    copy = sub.add_parser("copy-database", help="copy a whole database to another engine "
                          "(SQLite file or postgresql:// URL), checked table by table")
    copy.add_argument("source", metavar="FROM", help="the database to copy")
    copy.add_argument("target", metavar="TO", help="the database to fill (must be empty)")
    copy.add_argument("--overwrite", action="store_true",
                      help="replace every row of a target that is not empty")
    from bot.tools import ops_cli
    from bot.understand.cli import add_parser as add_understand

    ops_cli.add_parser(sub)
    add_understand(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the process exit code."""
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["understand"]:  # no settings, database, telegram: starts in well under 1 s
        from bot.understand.cli import main as understand

        return understand(argv[1:])
    from bot.runtime.settings import SettingsError, load_settings

    args = build_parser().parse_args(argv)
    try:
        settings = load_settings()
    except SettingsError as exc:
        print(exc, file=sys.stderr)
        return 2
    from bot.runtime.logs import setup_logging

    secrets = tuple(s.get_secret_value() for s in (settings.token, settings.webhook_secret,
                                                    settings.pay_provider_token) if s)
    setup_logging(settings.log_level, secrets)
    from telegram.error import InvalidToken

    try:
        return _dispatch(args, settings)
    except SettingsError as exc:  # e.g. a webhook that cannot be made safe
        print(exc, file=sys.stderr)
        return 2
    except InvalidToken:
        # PTB's message quotes the token: say what happened without it
        print("ABFA_TOKEN was rejected by the Bot API server (revoked, mistyped, or meant for "
              "the other platform); check ABFA_TOKEN and ABFA_PLATFORM.", file=sys.stderr)
    except Exception:
        log.exception("python -m bot %s failed", args.command)  # redacted (bot/runtime/logs.py)
    return 1


def _dispatch(args: argparse.Namespace, settings: Settings) -> int:
    """Run the chosen command."""
    import asyncio

    if args.command == "run":
        if not settings.has_token:
            print("ABFA_TOKEN is not set: starting the console demo instead.", file=sys.stderr)
            return asyncio.run(_demo(settings, 3000))
        return run_bot(settings)
    if args.command == "demo":
        return asyncio.run(_demo(settings, args.size))
    if args.command == "demo-data":
        return asyncio.run(_demo_data(args.database or settings.demo_database, args.size,
                                      args.seed))
    if args.command == "import":
        return asyncio.run(_import(settings, args.kind, args.file, args.accept_valid))
    if args.command == "migrate":
        return asyncio.run(_migrate(settings))
    if args.command == "qr":
        return _qr(settings, args)
    if args.command == "copy-database":
        return asyncio.run(_copy_database(args.source, args.target, args.overwrite))
    if args.command == "ops":
        from bot.tools import ops_cli

        return asyncio.run(ops_cli.run(args, settings))
    return 2


def run_bot(settings: Settings) -> int:
    """Run against the real Bot API until SIGINT/SIGTERM, as the leader (bot/runtime/leadership.py):
    wait while another process leads, then poll or serve the webhook; the store and the
    lock close on shutdown."""
    import asyncio

    from telegram import Update

    from bot.runtime import leadership, webhook
    from bot.runtime.app import build_application
    from bot.runtime.logs import add_secrets
    from bot.runtime.platform import profile_for
    from bot.store import store_for

    # refuse a webhook that cannot be made safe before anything starts
    hook = webhook.plan(settings, profile_for(settings)) if settings.webhook_url else None
    if hook is not None:
        add_secrets(tuple(s for s in (hook.secret_token, hook.path) if s))  # never logged
    store = store_for(settings.database)
    app = build_application(settings, store)  # ready before it leads: a quick takeover
    lock = store.leader_lock()
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)  # the lock's connection and PTB share this loop
    if not loop.run_until_complete(leadership.take_leadership(lock)):
        loop.close()
        return 0
    publish = app.post_init
    watching: list[asyncio.Task[None]] = []

    async def lead(_app: object) -> None:
        watching.append(asyncio.create_task(leadership.watch(lock), name="leader-lock"))
        if publish is not None:
            await publish(app)

    async def close_store(_app: object) -> None:
        for task in watching:
            task.cancel()
        await store.close()
        await lock.release()

    app.post_init = lead
    app.post_shutdown = close_store
    profile = app.profile
    log.info("starting on %s (%s)", profile.name.value,
             "webhook" if settings.webhook_url else "polling")
    if hook is not None:
        logging.getLogger("tornado.access").setLevel(logging.WARNING)  # no paths in the log
        app.run_webhook(
            listen=settings.webhook_listen, port=settings.webhook_port, url_path=hook.path,
            webhook_url=hook.url, secret_token=hook.secret_token,
            allowed_updates=Update.ALL_TYPES,
        )
    else:
        app.run_polling(allowed_updates=Update.ALL_TYPES)
    return 0


async def _demo(settings: Settings, size: int) -> int:
    from bot.tools.console import run_console

    return await run_console(settings, demo_size=size)


async def _demo_data(database: str, size: int, seed: int) -> int:
    from bot.store import open_store
    from bot.tools.demo_data import generate
    from bot.tools.terminal import say

    store = await open_store(database)
    try:
        summary = await generate(store, size, seed=seed)
    finally:
        await store.close()
    say(f"{store.name}: {summary}")
    return 0


async def _import(settings: Settings, kind: str, path: Path, accept_valid: bool) -> int:
    from bot.store import open_store
    from bot.tools.importer import (
        ImportFileError,
        import_bills,
        import_payments,
        import_subscribers,
    )
    from bot.tools.terminal import say

    store = await open_store(settings.database)
    try:
        run = {"subscribers": import_subscribers, "bills": import_bills,
               "payments": import_payments}[kind]
        report = await run(store, path, accept_valid=accept_valid)
    except ImportFileError as exc:
        say(f"nothing imported: {exc}", file=sys.stderr)
        return 1
    finally:
        await store.close()
    say("\n".join(report.lines()))
    if report.rejected and not accept_valid:
        print("nothing imported: fix the rejected rows or use --accept-valid", file=sys.stderr)
    return 0 if report.ok else 1


def _qr(settings: Settings, args: argparse.Namespace) -> int:
    from bot.runtime.deep_links import LinkError
    from bot.tools.qr import qr_for

    username = (args.username or settings.bot_username or "").lstrip("@")
    if not username:
        print("the bot's username is needed: --username NAME or ABFA_BOT_USERNAME",
              file=sys.stderr)
        return 2
    try:
        link, path = qr_for(settings.platform, username, args.number, args.payment_id,
                            args.output)
    except LinkError:
        print(f"not a subscription number or bill ID (with its payment ID): {args.number}",
              file=sys.stderr)
        return 1
    print(f"{link}\t{path}")
    return 0


async def _migrate(settings: Settings) -> int:
    from bot.store import open_store

    store = await open_store(settings.database)
    try:
        print(f"{store.name}: schema version {await store.schema_version()}")
    finally:
        await store.close()
    return 0


async def _copy_database(source: str, target: str, overwrite: bool) -> int:
    from bot.store import is_postgres, open_store
    from bot.store.copy import CopyError, copy_database

    if not is_postgres(source) and not Path(source).is_file():
        print(f"no such database: {source}", file=sys.stderr)
        return 1
    origin = await open_store(source)
    try:
        destination = await open_store(target)
        try:
            report = await copy_database(origin, destination, overwrite=overwrite)
        finally:
            await destination.close()
    except CopyError as exc:
        print(f"nothing copied: {exc}", file=sys.stderr)
        return 1
    finally:
        await origin.close()
    print(f"{origin.name} -> {destination.name}")
    print("\n".join(report.lines()))
    if not report.ok:
        print("the copy does not match its source", file=sys.stderr)
        return 1
    return 0
