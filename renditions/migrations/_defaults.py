"""The default rendition profiles a publication needs on day one."""

DEFAULT_PROFILES = [
    # slug, name, aspect (w, h), exact size (w, h), max width, format, quality
    ("hero", "Hero 16:9", (16, 9), None, 1600, "jpeg", 82),
    ("square", "Square 1:1", (1, 1), None, 600, "jpeg", 82),
    ("portrait", "Portrait 4:5", (4, 5), None, 1080, "jpeg", 82),
    ("story", "Story 9:16", (9, 16), None, 1080, "jpeg", 82),
    ("banner", "Banner 3:1", (3, 1), None, 1500, "jpeg", 82),
    ("card", "Card 4:3", (4, 3), None, 800, "jpeg", 82),
    ("thumb", "Thumbnail 200 px", None, (200, 200), None, "webp", 80),
]


def create_profiles(apps, schema_editor):
    Profile = apps.get_model("renditions", "RenditionProfile")
    for slug, name, aspect, exact, max_width, fmt, quality in DEFAULT_PROFILES:
        aspect_w, aspect_h = aspect or (None, None)
        width, height = exact or (None, None)
        Profile.objects.get_or_create(slug=slug, defaults=dict(
            name=name, aspect_width=aspect_w, aspect_height=aspect_h, width=width,
            height=height, max_width=max_width, format=fmt, quality=quality))


def remove_profiles(apps, schema_editor):
    Profile = apps.get_model("renditions", "RenditionProfile")
    Profile.objects.filter(slug__in=[p[0] for p in DEFAULT_PROFILES]).delete()
