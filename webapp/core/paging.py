"""Page arithmetic shared by every paged list."""
from __future__ import annotations


def window(total: int, page: int, size: int) -> tuple[int, int, int]:
    """(page, pages, offset): the asked page clamped to the pages there are (at least one)."""
    pages = max(1, -(-total // size))
    page = min(max(1, page), pages)
    return page, pages, (page - 1) * size
