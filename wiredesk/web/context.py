"""Template context shared by every page: the brand and its section navigation."""

from wiredesk.core.sections import SECTION_NAMES


def site(request) -> dict:
    brand = getattr(request, "brand", None)
    if brand is None:
        return {}
    return {
        "brand": brand,
        "nav_sections": [(s, SECTION_NAMES.get(s, s.title())) for s in brand.section_list],
    }
