"""Abfa Bot: a Telegram and Bale chatbot for water and wastewater subscribers.

The runtime lives at the top (settings, the Application factory, the platform profile,
update processing, persistence, logs, throttles, the CLI) with the shared vocabulary
(identifiers, places, information topics); each concern has its own sub-package:
`store` (the database), `billing`, `services`, `notify`, `text` (presentation and typed
text) and `tools` (demo, simulator, importers, operators' CLI).
"""
