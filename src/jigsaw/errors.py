"""The one exception for bad input: a file, row, field or option that the user can put right.

Code that validates what a user gave (a CSV file, a configuration, a command-line option) raises
:class:`InputError` with a message that names where the fault is and what was expected. The
``jigsaw`` command prints such an error as one line and exits with status 2; any other exception
is a fault in Jigsaw itself and keeps its traceback, so that it is reported rather than taken for
the user's mistake.
"""

from __future__ import annotations

__all__ = ["InputError"]


class InputError(ValueError):
    """Bad input, described for the person who gave it: name the file, row and field.

    A :class:`ValueError`, so that callers of the library that catch ``ValueError`` for invalid
    arguments keep working when a check starts raising this instead.

    Examples
    --------
    >>> error = InputError("areas.csv: row 4, column children: 'many' is not a whole number")
    >>> isinstance(error, ValueError)
    True
    >>> str(error)
    "areas.csv: row 4, column children: 'many' is not a whole number"
    """
