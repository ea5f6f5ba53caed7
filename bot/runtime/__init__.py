"""The runtime: settings, the Application factory and its update processing, persistence
on the store, leadership, the Bot API request layer and call limits, the webhook, the
commands menu and deep links, logging and the command line.

It may import every other package of `bot/`. The feature packages, the store and the
notifier import only its leaves (settings, platform, logs); the Application factory
(`app.py`) and the command line are imported by `bot/tools/`, `handlers/` and
`bot/__main__.py` only.
"""
