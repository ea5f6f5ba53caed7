"""Tools around the bot: the console demo (`console`), the fake Bot API and simulated
users (`simulator`, used by the demo, the tests and `bench/`), demo data (`demo_data`),
CSV importers (`importer`), the operators' command line (`ops_cli`) and QR codes of the
bill-inquiry links (`qr`).

May import any package of `bot`, and the handlers' views (`ops_cli` prints the same
request card and sentences as the operators' buttons); nothing in `bot` outside `bot.runtime.cli`
imports from here.
"""
