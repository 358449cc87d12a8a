"""Argument types shared by the subcommands: each turns one command-line string into a
checked value or raises ``argparse.ArgumentTypeError`` with a readable message (argparse
then exits 2 naming the option)."""

from __future__ import annotations

import argparse
import math
import re

__all__ = ["MAX_PATHS", "scenario", "JANUARY_MESSAGE", "year", "as_of", "is_january",
           "refuse_january", "n_paths", "positive_int", "seed",
           "positive_float", "tolerance", "add_scenario", "add_seed", "add_simulation", "add_n_jobs", "add_lang",
           "add_format", "add_folders"]

MAX_PATHS = 1_000_000


def _parsed(text: str, convert, expected: str):
    """``convert(text)``, or ``ArgumentTypeError`` saying what was expected."""
    try:
        return convert(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected {expected}, got {text!r}") from None


def _whole_number(text: str, expected: str) -> int:
    return _parsed(text, int, expected)


def _checked(value, ok: bool, message: str):
    """``value`` when ``ok``, else ``ArgumentTypeError(message)``."""
    if not ok:
        raise argparse.ArgumentTypeError(message)
    return value


def year(text: str) -> int:
    """A plan year such as 2017."""
    value = _whole_number(text, "a year such as 2017")
    return _checked(value, 1990 <= value <= 2100, f"year {value} is out of range")


JANUARY_MESSAGE = (
    "{text}: January is never published on its own; the first release of a year is "
    "1-2月 (January-February cumulative), so use {year}-02 or later "
    "(一月数据不单独发布，当年首次发布为1-2月累计)")


def as_of(text: str) -> str:
    """A data vintage as YYYY-MM, from February to December.

    January is refused: monthly statistics are cumulative year-to-date and the first
    release of a year is January-February (DESIGN.md section 1), so a vintage of
    ``YYYY-01`` would label data that no bureau publishes.
    """
    from ..data.asof import parse_as_of
    from ..exceptions import UserError

    try:
        year, month = parse_as_of(text)
    except UserError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None
    if month == 1:
        raise argparse.ArgumentTypeError(JANUARY_MESSAGE.format(text=text.strip(), year=year))
    return f"{year:04d}-{month:02d}"


def is_january(text: str) -> bool:
    """True for a vintage in January: ``YYYY-01`` or ``YYYY-01-DD``."""
    return re.fullmatch(r"\s*\d{4}-01(-\d{1,2})?\s*", str(text)) is not None


def refuse_january(text: str, option: str = "--as-of") -> None:
    """Raise ``UserError`` (exit 2) for a January vintage; other checks stay with the caller.

    For subcommands whose ``--as-of`` is checked in ``run`` (so that their own messages
    for malformed months are kept).
    """
    from ..exceptions import UserError

    if is_january(text):
        raise UserError(f"{option} " + JANUARY_MESSAGE.format(text=str(text).strip(),
                                                               year=str(text).strip()[:4]))


def scenario(text: str) -> str:
    """A scenario name (a file in params/scenarios/, and a report folder name)."""
    from ..simulate.scenarios import SCENARIO_PATTERN

    if not re.fullmatch(SCENARIO_PATTERN, text):
        raise argparse.ArgumentTypeError(
            f"a scenario is a name like 'baseline' (letters, digits, '_' and '-', at most "
            f"64), got {text!r}")
    return text


def positive_int(text: str) -> int:
    """A whole number of at least 1."""
    value = _whole_number(text, "a whole number")
    return _checked(value, value >= 1, f"must be at least 1, got {value}")


def n_paths(text: str) -> int:
    """A number of simulated paths, from 1 to MAX_PATHS."""
    value = positive_int(text)
    return _checked(value, value <= MAX_PATHS, f"at most {MAX_PATHS:,} paths, got {value:,}")


def seed(text: str) -> int:
    """A random seed: a whole number >= 0."""
    value = _whole_number(text, "a whole number")
    return _checked(value, value >= 0, f"must not be negative, got {value}")


def positive_float(text: str) -> float:
    """A positive number of seconds."""
    value = _parsed(text, float, "seconds")
    return _checked(value, value > 0 and math.isfinite(value),
                    f"expected a positive number of seconds, got {text!r}")


def tolerance(text: str) -> float:
    """A tolerance in growth, as a fraction in [0, 0.5)."""
    value = _parsed(text, float, "a fraction such as 0.005")
    if not math.isfinite(value) or not 0 <= value < 0.5:
        hint = f" (for {value:g} points write {value / 100:g})" if 1 <= value < 50 else ""
        raise argparse.ArgumentTypeError(f"expected a fraction in [0, 0.5), got {text}{hint}")
    return value


# --------------------------------------------------------------------------- shared options
# The options several subcommands declare alike; each takes its help text where the
# subcommands word it differently, so that every ``--help`` reads as before.

def add_scenario(parser, help: str = "scenario name in params/scenarios/ (default baseline)"
                 ) -> None:
    parser.add_argument("--scenario", type=scenario, default="baseline", help=help)


def add_seed(parser, help: str = "random seed (default: 0)") -> None:
    parser.add_argument("--seed", type=seed, default=0, help=help)


def add_simulation(parser, paths: int, paths_help: str) -> None:
    """``--scenario``, ``--n-paths`` (default ``paths``) and ``--seed`` of a joint simulation."""
    add_scenario(parser)
    parser.add_argument("--n-paths", type=n_paths, default=paths, metavar="N", help=paths_help)
    add_seed(parser, "random seed (default 0)")


def add_n_jobs(parser) -> None:
    parser.add_argument("--n-jobs", type=positive_int, default=1,
                        help="worker processes (default: 1)")


def add_lang(parser, help: str) -> None:
    parser.add_argument("--lang", choices=("zh", "en"), default="zh", help=help)


def add_format(parser, help: str = "output format (json goes to stdout alone)",
               choices: tuple[str, str] = ("text", "json")) -> None:
    """``--format``, defaulting to the first of ``choices``."""
    parser.add_argument("--format", choices=choices, default=choices[0], help=help)


def add_folders(parser, params_help: str = "parameter folder",
                data_help: str = "data folder") -> None:
    """``--data`` (default ``data``) and ``--params`` (default ``params``)."""
    parser.add_argument("--data", default="data", metavar="DIR", help=data_help)
    parser.add_argument("--params", default="params", metavar="DIR", help=params_help)
