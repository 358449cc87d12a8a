"""The whole error hierarchy of zzforecast.

Library code raises these; only the command line turns them into messages and exit
codes (``UserError`` -> exit 2, anything else -> exit 1 with a traceback).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "ZzforecastError",
    "UserError",
    "Problem",
    "DataError",
    "ParamsError",
    "UnknownModelError",
    "NotFittedError",
    "ReportError",
    "SetupError",
    "WorkerDied",
]


class ZzforecastError(Exception):
    """Root of every error zzforecast raises on purpose."""


class UserError(ZzforecastError, ValueError):
    """A problem the user can fix: bad data, bad parameters, bad arguments.

    Subclasses ``ValueError`` so that the Python API's callers can catch the built-in.
    """


@dataclass(frozen=True)
class Problem:
    """One problem found in an input, located as precisely as we can.

    ``row`` is the 1-based line number in the file as a user sees it in an editor or
    spreadsheet (the header is row 1), or ``None`` when the problem is with the whole file.
    """

    file: str
    row: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"row {self.row}")
        if self.field:
            where.append(f"field '{self.field}'")
        return f"{', '.join(where)}: {self.message}"


class DataError(UserError):
    """One or more problems in input data; ``problems`` lists each with its location."""

    def __init__(self, problems: list[Problem] | Problem | str):
        if isinstance(problems, str):
            problems = [Problem("<input>", None, None, problems)]
        elif isinstance(problems, Problem):
            problems = [problems]
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class ParamsError(DataError):
    """A problem in a parameter file (YAML) or a parameter value."""


class SetupError(UserError):
    """The machine lacks something a command needs: a font, WeasyPrint, the Jupyter kernel,
    the notebooks folder. ``fix`` says what to run or install; exit 2 like any user error.
    """

    def __init__(self, message: str, *, fix: str):
        self.fix = fix
        super().__init__(f"{message}\nfix: {fix}")


class UnknownModelError(UserError):
    """A model name that zzforecast does not know."""


class NotFittedError(ZzforecastError, ValueError, AttributeError):
    """An estimator was used before ``fit``."""


class WorkerDied(ZzforecastError):
    """A local worker process died while running a notebook, also when retried alone.

    Not raised: the batch records it as that notebook's failure (``ename: WorkerDied`` in
    ``run.json``) and the other notebooks go on.
    """


class ReportError(ZzforecastError):
    """A notebook failed while building a report; keeps papermill's fields."""

    def __init__(self, message: str, *, cluster_id: str | None = None,
                 cell_index: int | None = None, ename: str | None = None,
                 evalue: str | None = None):
        self.cluster_id = cluster_id
        self.cell_index = cell_index
        self.ename = ename
        self.evalue = evalue
        super().__init__(message)
