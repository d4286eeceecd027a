"""Search, filters and facets: the same answers on SQLite (FTS5) and PostgreSQL
(GIN full-text), which CI runs when DATABASE_URL is set."""
from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.db import connection
from django.urls import reverse

from dam import selectors, services
from dam.apps import _search_repair
from dam.models import Asset, Collection
from renditions import selectors as rendition_selectors
from renditions.models import CropDecision, RenditionProfile
from tests.integration._api import _client

pytestmark = pytest.mark.django_db(transaction=True)


def make(name="photo.jpg", *, keywords=(), width=1200, height=800, **fields) -> Asset:
    """An asset row (no file in storage), indexed as an upload indexes it."""
    fields = {"title": "", "original_filename": name, **fields}
    asset = Asset.objects.create(
        file=f"originals/{name}", sha256="0" * 64, size_bytes=1,
        width=width, height=height, format="jpg", **fields)
    asset.tags.set(list(keywords))
    services.asset_search_refresh(asset=asset)
    return asset


def found(q: str, assets=None) -> list[int]:
    return list(selectors.asset_search(assets or Asset.objects.all(), q)
                .values_list("pk", flat=True))


def test_accents_and_case_do_not_matter_either_way():
    zurich = make(city="Zürich")
    plain = make(caption="Walking in ZURICH at night")
    assert found("zurich") == found("Zürich") == found("ZÜRICH") == [plain.pk, zurich.pk]
    assert found("São Paulo") == [] and found("zürich walking") == [plain.pk]


def test_word_endings_are_matched_by_stem():
    runs, run = make(caption="She runs along the pier"), make(headline="A run at dawn")
    photograph = make(title="The photograph")
    assert set(found("running")) == {runs.pk, run.pk}
    assert found("photographs") == [photograph.pk]


def test_every_word_must_match_somewhere():
    both = make(headline="Harbour", caption="fishing boats at dawn")
    make(headline="Harbour at noon")
    assert found("harbour boats") == [both.pk]
    assert found("harbour boats elephants") == []


@pytest.mark.parametrize("field", ["headline", "caption", "title", "alt_text", "creator",
                                   "credit", "city", "country", "original_filename"])
def test_every_indexed_field_is_searched(field):
    make(headline="Unrelated")
    hit = make(**{field: "Quetzalcoatl"})
    assert found("quetzalcoatl") == [hit.pk]


def test_keywords_are_searched():
    hit = make(keywords=["Lighthouse", "Seascape"])
    make(caption="nothing")
    assert found("seascape") == found("lighthouses") == [hit.pk]


def test_file_names_are_split_into_words():
    wall = make("Berlin_wall-01.jpg")
    assert found("wall") == found("berlin 01") == found("jpg wall") == [wall.pk]
    assert found("Berlin_wall-01.jpg") == [wall.pk]


def test_the_last_word_also_matches_a_word_start():
    dune = make("dune.jpg")
    assert found("DUNE.jp") == found("du") == [dune.pk]
    assert found("jp dune") == []  # only the last word is a start


def test_a_title_or_headline_match_outranks_a_caption_only_match():
    caption = make(caption="a lighthouse on the coast")
    newest_other = make(caption="rocks")
    headline = make(headline="Lighthouse", caption="rocks")
    # the headline match comes first even though the caption match is older
    assert found("lighthouse") == [headline.pk, caption.pk]
    creator = make(creator="Lighthouse Press")
    assert found("lighthouse") == [headline.pk, caption.pk, creator.pk]
    assert newest_other.pk not in found("lighthouse")


def test_the_same_rank_goes_newest_first():
    first, second = make(caption="gull"), make(caption="gull")
    assert found("gull") == [second.pk, first.pk]


@pytest.mark.parametrize("q", [
    '"', "'", '"harbour', "harbour'", "NEAR(harbour boat)", "harbour NEAR boat", "*", "harb*",
    "(harbour", "harbour)", "a & b | !c", "harbour:*", "-harbour", "^harbour", "OR", "AND NOT",
    "x" * 10_000, "harbour " * 2_000, "har\0bour", "\0", "{search_a}: harbour", "💥🚢",
    "\\", "%_%", "; DROP TABLE dam_asset; --", "\u0301\u0301", "ﬁsh",
])
def test_hostile_queries_never_raise(q):
    harbour = make(headline="Harbour fish")
    result = found(q)
    assert result in ([], [harbour.pk])
    assert Asset.objects.count() == 1


def test_operators_in_a_query_are_words():
    near = make(caption="near the harbour")
    make(caption="harbour")
    assert found("NEAR harbour") == [near.pk]
    assert found("harbour OR near") == []  # "or" is a word here, not an operator


def test_blank_finds_everything_and_wordless_text_nothing():
    old, new = make(caption="a"), make(caption="b")
    assert found("") == found("   ") == [new.pk, old.pk]
    assert found("*!?") == found("---") == []


def test_scripts_other_than_latin_are_searched_alike():
    moscow, oresund = make(city="Москва"), make(caption="Øresund bridge")
    assert found("москва") == found("МОСКВА") == [moscow.pk]
    assert found("øresund") == [oresund.pk]


def test_refresh_follows_a_metadata_change():
    asset = make(headline="Old pier")
    Asset.objects.filter(pk=asset.pk).update(headline="New jetty")
    assert found("jetty") == [] and found("pier") == [asset.pk]
    asset.refresh_from_db()
    services.asset_search_refresh(asset=asset)
    assert found("jetty") == [asset.pk] and found("pier") == []
    asset.tags.set(["breakwater"])
    services.assets_search_refresh(assets=Asset.objects.all())
    assert found("breakwater") == [asset.pk]


def test_a_deleted_asset_is_no_longer_found():
    keep, gone = make(caption="kite"), make(caption="kite")
    gone.delete()
    assert found("kite") == [keep.pk]


def test_the_search_filters_the_queryset_it_is_given():
    mine, other = make(caption="tram"), make(caption="tram", creator="Ana")
    assert found("tram", Asset.objects.filter(creator="Ana")) == [other.pk]
    assert found("tram", Asset.objects.exclude(pk=other.pk)) == [mine.pk]


def test_the_index_is_what_the_database_uses():
    make(caption="pelican")
    sql, params = selectors.asset_search(Asset.objects.all(), "pelican").query.sql_with_params()
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SET enable_seqscan = off")  # a tiny table: force the choice
            cursor.execute("EXPLAIN " + sql, params)
            assert "dam_asset_search" in str(cursor.fetchall())
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql, params)
            assert "VIRTUAL TABLE INDEX" in str(cursor.fetchall())


def test_search_survives_a_rebuilt_asset_table():
    """SQLite drops a table's triggers when a migration rebuilds it; migrate puts them back."""
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            for suffix in ("ai", "ad", "au"):
                cursor.execute(f"DROP TRIGGER dam_asset_fts_{suffix}")
    _search_repair(sender=None, using="default")
    hit = make(caption="cormorant")
    assert found("cormorant") == [hit.pk]


# --- Filters and facets --------------------------------------------------------------

@pytest.fixture
def small_library(editor):
    profile = RenditionProfile.objects.create(slug="p1", name="P1", aspect_width=1,
                                              aspect_height=1, max_width=400)
    profile2 = RenditionProfile.objects.create(slug="p2", name="P2", aspect_width=2,
                                               aspect_height=1, max_width=400)
    a = make("a.jpg", caption="harbour", keywords=["sea", "boat"], creator="Ana",
             date_created="2021-10-20T09:00:00+00:00", width=1200, height=800)
    b = make("b.jpg", caption="harbour", keywords=["sea"], creator="Ben",
             date_created="2021-03", width=800, height=1200, status=Asset.Status.READY)
    c = make("c.jpg", caption="harbour wall", keywords=["boat", "wall"], creator="Ana",
             date_created="2019", width=500, height=500, status=Asset.Status.READY)
    d = make("d.jpg", caption="field", keywords=["sea"], creator="", date_created="")
    for asset, profile_, review in ((a, profile, "approved"), (a, profile2, "approved"),
                                    (b, profile, "approved"), (b, profile2, "needs_work"),
                                    (c, profile, "pending")):
        CropDecision.objects.create(asset=asset, profile=profile_, review=review)
    return {"a": a, "b": b, "c": c, "d": d}


def test_facets_count_what_was_found(small_library, django_assert_num_queries):
    found_ = rendition_selectors.library_search(q="harbour")
    with django_assert_num_queries(10):  # one per facet, two for collections and their names
        facets = rendition_selectors.library_facets(found_)
    assert facets == {
        "keyword": [{"value": "boat", "count": 2}, {"value": "sea", "count": 2},
                    {"value": "wall", "count": 1}],
        "creator": [{"value": "Ana", "count": 2}, {"value": "Ben", "count": 1}],
        "status": [{"value": "ready", "count": 2}, {"value": "queued", "count": 1}],
        "orientation": [{"value": "landscape", "count": 1}, {"value": "portrait", "count": 1},
                        {"value": "square", "count": 1}],
        "year": [{"value": "2021", "count": 2}, {"value": "2019", "count": 1}],
        "review": [{"value": "approved", "count": 1}, {"value": "needs_work", "count": 1},
                   {"value": "pending", "count": 1}],
        "collection": [{"value": str(Collection.root().pk), "count": 3, "label": "Library"}],
        "rights": [],  # no dates: nothing embargoed, expired or expiring
        "usage": [{"value": "unused", "count": 3}],  # no site recorded a usage
    }
    everything = rendition_selectors.library_facets(Asset.objects.all())
    assert everything["keyword"][0] == {"value": "sea", "count": 3}
    assert everything["review"][0] == {"value": "pending", "count": 2}  # c, and d (none)


def _names(**filters) -> set[str]:
    """The fixture's assets found, by their letter."""
    return {a.original_filename[0] for a in rendition_selectors.library_search(**filters)}


@pytest.mark.parametrize("filters, expected", [
    ({"keyword": ["sea"]}, {"a", "b", "d"}),
    ({"keyword": ["sea", "boat"]}, {"a"}),
    ({"keyword": ["Sea"]}, set()),
    ({"creator": "Ana"}, {"a", "c"}),
    ({"status": "ready"}, {"b", "c"}),
    ({"orientation": "portrait"}, {"b"}),
    ({"orientation": "square"}, {"c"}),
    ({"review": "approved"}, {"a"}),
    ({"review": "needs_work"}, {"b"}),
    ({"review": "pending"}, {"c", "d"}),
    ({"date_from": "2021"}, {"a", "b"}),
    ({"date_from": "2021-04"}, {"a"}),
    ({"date_to": "2021-03"}, {"b", "c"}),
    ({"date_to": "2021"}, {"a", "b", "c"}),
    ({"date_from": "2021-10-20", "date_to": "2021-10-20"}, {"a"}),
    ({"date_from": "2020", "date_to": "2020"}, set()),
    ({"q": "harbour", "keyword": ["boat"], "creator": "Ana"}, {"a", "c"}),
    ({"q": "wall", "keyword": ["boat"]}, {"c"}),
])
def test_filters(small_library, filters, expected):
    assert _names(**filters) == expected


def test_the_keyword_facet_is_not_narrowed_by_a_keyword_filter(small_library):
    facets = rendition_selectors.library_facets(rendition_selectors.library_search(
        keyword=["boat"]))
    assert facets["keyword"] == [{"value": "boat", "count": 2}, {"value": "sea", "count": 1},
                                 {"value": "wall", "count": 1}]


# --- The API and the library page ----------------------------------------------------

def test_the_api_searches_filters_and_counts_facets(small_library, users):
    viewer, url = _client(users["viewer"]), reverse("api-assets")
    body = viewer.get(url, {"q": "Harbours", "keyword": ["sea", "boat"], "facets": "true"}).json()
    assert [r["id"] for r in body["results"]] == [str(small_library["a"].uid)]
    assert body["facets"]["creator"] == [{"value": "Ana", "count": 1}]
    assert "facets" not in viewer.get(url, {"q": "harbour"}).json()
    ranked = viewer.get(url, {"q": "harbour wall"}).json()["results"]
    assert [r["id"] for r in ranked] == [str(small_library["c"].uid)]
    for bad in ({"date_from": "20-10"}, {"orientation": "round"}, {"review": "maybe"},
                {"keyword": [f"k{i}" for i in range(70)]}):
        assert viewer.get(url, bad).status_code == 400, bad
    assert viewer.get(url, {"q": 'NEAR("x" *'}).status_code == 200


def test_the_library_page_searches_and_links_facets(small_library, users, settings):
    settings.DAM = {"PAGE_SIZE": 1}
    client = _client(users["viewer"])
    page = client.get(reverse("library"), {"q": "harbour", "creator": "Ana"})
    assert page.status_code == 200
    html = page.content.decode()
    assert "a.jpg" in html or small_library["a"].title in html
    assert 'class="facets"' in html
    assert "keyword=boat" in html  # a link adding the filter
    assert 'href="?q=harbour&amp;creator=Ana&amp;page=2"' in html  # the next page keeps them
    assert page.context["page"].paginator.count == 2
    filtered = client.get(reverse("library"), {"q": "harbour", "creator": "Ana",
                                               "keyword": "wall", "review": "bogus"})
    assert [a.pk for a in filtered.context["page"]] == [small_library["c"].pk]


def test_an_edit_in_the_admin_is_found(django_user_model, client):
    asset = make(headline="Old pier")
    client.force_login(django_user_model.objects.create_superuser("root", password="pw"))
    url = reverse("admin:dam_asset_change", args=[asset.pk])
    page = client.get(url).context
    form = page["adminform"].form
    data = {name: form[name].value() or "" for name in form.fields}
    for inline in page["inline_admin_formsets"]:  # the versions' (read-only) formset
        management = inline.formset.management_form
        data.update({f"{inline.formset.prefix}-{name}": management[name].value()
                     for name in management.fields})
    data.update(headline="New jetty", tags="breakwater, Seawall")
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    assert found("jetty") == found("seawalls") == [asset.pk] and found("pier") == []


def test_search_refresh_follows_a_new_language(settings):
    houses = make(caption="Häuser am Hafen")
    assert found("Haus Hafen") == []  # English stems leave "hauser"
    settings.DAM = {"SEARCH_LANGUAGE": "german"}
    call_command("search_refresh", stdout=io.StringIO())
    assert found("Haus Hafen") == found("Häusern Hafen") == [houses.pk]
