"""The report stage: what a reader sees (HTML, PDF, Word, charts, text).

Imports only from the earlier stages (data, estimate, simulate, assess).
"""
