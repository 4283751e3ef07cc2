"""Pages of a list, with the count said ("Showing 1 to 50 of 303"): no list stops silently."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

from django.core.paginator import Page, Paginator
from django.http import HttpRequest

PER_PAGE = 50


@dataclasses.dataclass(frozen=True)
class Paged:
    """One page of a list and what the page template needs to link the others."""

    page: Page[Any]
    total: int
    first: int
    last: int
    query: str  # the request's other parameters, to keep filters and sort on every page link
    parameter: str = "page"

    @property
    def items(self) -> Sequence[Any]:
        return list(self.page.object_list)

    def numbers(self) -> list[int | None]:
        """Page numbers to link, with ``None`` for a gap ("1 … 4 5 6 … 20")."""
        pages = self.page.paginator.get_elided_page_range(
            self.page.number, on_each_side=2, on_ends=1
        )
        return [n if isinstance(n, int) else None for n in pages]


def paginate(
    request: HttpRequest, items: Any, *, per_page: int = PER_PAGE, parameter: str = "page"
) -> Paged:
    """Return the page of ``items`` (a queryset or list) that ``?<parameter>=`` asks for (two
    lists on one page are paged by two parameters).

    A page number past the end shows the last page, not an error: the list may have shrunk
    since the link was made.
    """
    paginator = Paginator(items, per_page, allow_empty_first_page=True)
    page = paginator.get_page(request.GET.get(parameter))
    others = request.GET.copy()
    others.pop(parameter, None)
    total = paginator.count
    first = page.start_index() if total else 0
    return Paged(
        page=page,
        total=total,
        first=first,
        last=page.end_index(),
        query=others.urlencode(),
        parameter=parameter,
    )
