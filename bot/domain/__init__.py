"""The shared vocabulary of the utility: identifiers (subscription numbers, bill and
payment IDs, tracking codes), places and information topics.

Pure Python over the data files of `bot/data/`; it imports nothing else of the bot but
`bot/text/`, and every other package may import it.
"""
