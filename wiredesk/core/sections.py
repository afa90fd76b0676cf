"""The sections every brand can show, in their default order."""

SECTIONS = ("world", "business", "technology", "sports", "photo", "local")
