"""The estimate stage: every model whose numbers reach a user.

- :mod:`.ytd`: the within-year model behind every probability (full-year growth from
  year-to-date growth), used by the attainability engine and by the nowcast;
- :mod:`.ytd_frame`: year-to-date series as checked frames and dense tables.
"""

from .ytd import YearToDateModel

__all__ = ["YearToDateModel"]
