"""Presentation and typed text: normalising what users type (`normalise`), Persian
numbers, money and Jalali dates (`fmt`), the locale (`i18n`), keyboards (`keyboards`)
and personal identifiers such as mobile numbers and national IDs (`personal`).

The bottom layer: imports only the standard library, PyYAML, jdatetime and telegram's
keyboard types, never `bot.store` or a feature package.
"""
