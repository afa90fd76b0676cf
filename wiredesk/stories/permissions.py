"""Who may act on which stored copy: the desk's roles (groups made by brands/0006_roles).

Superusers may act on everything. Members of the Editors group may act only on the articles
carried by the brands that list them (Brand.editors); one listed on no brand may act on none.
Other staff go by their Django permissions alone (an admin's own arrangement).
"""

from __future__ import annotations

from typing import Iterable

EDITORS = "Editors"


def limited_brands(user) -> list | None:
    """The brands an editor is limited to ([] : none), or None when not limited."""
    if user.is_superuser or not user.groups.filter(name=EDITORS).exists():
        return None
    return list(user.edited_brands.all())


def may_edit(user, article) -> bool:
    """Whether ``user`` may kill, undo, correct, pin, split or flag ``article``."""
    from wiredesk.stories.selectors import brand_carries

    if user.is_superuser:
        return True
    if not user.has_perm("stories.change_article"):
        return False
    brands = limited_brands(user)
    if brands is None:
        return True
    return any(brand_carries(brand=b, article=article, withdrawn_too=True) for b in brands)


def may_edit_all(user, articles: Iterable) -> bool:
    return all(may_edit(user, a) for a in articles)
