"""Paying bills and request invoices: how to pay (`options`: Bale's native invoice, the
utility's payment page, or the two national IDs for any bank), Bale's payments API as it
is (`bale`), recording a payment exactly once with its receipt (`ledger`), and the banks'
reconciliation file (`reconcile`).

Everything payable is named by its national bill ID and payment ID (domain.md section 2):
a subscriber's bill or a service request's invoice. Amounts are integer rials.

May import: `bot.store`, `bot.services` (the workflow moves a paid request on),
`bot.notify.notices` (receipts are written with the payment), `bot.text`,
`bot.domain.identifiers`, `bot.runtime.settings` and `bot.runtime.platform`. It builds telegram's keyboard and
payment types but never imports the handlers, `bot.runtime.app` or `bot.tools`.
"""
