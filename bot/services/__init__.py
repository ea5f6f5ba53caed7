"""Service requests and incident reports: the catalog (`catalog`, from
`bot/data/services.yaml`), drafts of half-filled requests (`drafts`), answer and upload
validation (`validation`), branch fees (`fees`), expected dates (`deadlines`) and the
request workflow that moves a request through its stages (`workflow`).

May import: `tariffs`, `bot.store`, `bot.text`, `bot.domain.identifiers` and `bot.notify.notices`
(a stage change writes its notice in the same transaction). No telegram, no handlers.
"""
