"""Abfa Bot: a Telegram and Bale chatbot for water and wastewater subscribers."""
