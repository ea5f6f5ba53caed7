"""Notifications: the SMS-like notices written to the outbox with the change that causes
them (`notices`), their paced delivery through the Bot API (`notifier`), flood answers
and the running bot's rate limiter (`flood`), and the scheduled jobs that start the
notifier and send reminders and alerts (`jobs`).

May import: `bot.store`, `bot.text`, `bot.services` (catalog, tracking codes, workflow),
`bot.runtime.settings` and telegram (the notifier and jobs speak to the Bot API). Nothing here
imports the handlers or `bot.runtime.app`.
"""
