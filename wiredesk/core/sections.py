"""The sections every brand can show, in their default order, with their display names."""

SECTIONS = ("world", "business", "technology", "sports", "photo", "local")
SECTION_NAMES = {
    "world": "World",
    "business": "Business",
    "technology": "Technology",
    "sports": "Sports",
    "photo": "Photo stories",
    "local": "Local",
}
