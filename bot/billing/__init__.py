"""Bills: engine results as bill rows, their Persian view, consumption analysis, meter
self-readings, tariff estimates, reading periods and the consumption chart.

May import: `tariffs`, `bot.store` (models and the `Store` interface), `bot.text`,
`bot.domain.identifiers`, `bot.domain.places` and `bot.notify.notices` (alerts written with a reading).
Nothing here imports telegram or the handlers.
"""
