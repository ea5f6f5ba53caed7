"""The runtime: settings, the Application factory and its update processing, persistence
on the store, leadership, the Bot API request layer and call limits, the webhook, the
commands menu and deep links, logging and the command line.

It may import every other package of `bot/`; only `bot/tools/` and `handlers/` import it
(the feature packages do not: they get what they need as arguments or job data).
"""
