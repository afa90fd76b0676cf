"""The kill and its undo as an editor does them in the admin, in headless Chromium: the form
asks for a reason, the public page answers 410 on the brand, and the undo brings it back."""

from __future__ import annotations

import pytest

from tests.browser.test_admin import PASSWORD, sign_in, violations, watched  # noqa: F401 (a fixture)
from wiredesk.stories.models import Article, AuditEntry

pytestmark = pytest.mark.browser


@pytest.fixture
def staff(site, django_user_model):
    return django_user_model.objects.create_superuser("chief", "", PASSWORD)


def test_an_editor_kills_an_article_and_undoes_it(site, staff, watched, new_page):
    article = Article.objects.filter(story__isnull=False).order_by("-published_at").first()
    public = f"/story/{article.id}-{article.slug}/"
    reader = new_page()
    assert reader.goto(public).status == 200

    page = watched
    sign_in(page)
    page.goto(f"/admin/stories/article/{article.id}/change/")
    page.click("text=Kill this article")
    page.wait_for_url(f"**/admin/stories/takedown/kill/{article.id}/")
    page.click("input[type=submit]")  # no reason: the browser holds the form back
    assert page.locator("#id_reason:invalid").count() == 1
    page.fill("#id_reason", "   ")  # only spaces: refused by the server
    page.click("input[type=submit]")
    assert page.locator(".errorlist").count() == 1
    assert Article.objects.get(id=article.id).withdrawn_at is None
    page.fill("#id_reason", "The photo shows the wrong person")
    page.click("input[type=submit]")
    page.wait_for_url(f"**/admin/stories/article/{article.id}/change/")
    assert "Its page now answers 410" in page.locator(".messagelist").inner_text()
    assert not violations(page), violations(page)

    reader = new_page()  # a reader who has not read it yet (the first one's browser may keep its copy a minute)
    gone = reader.goto(public)
    assert gone.status == 410
    assert "withdrawn" in reader.locator("h1").inner_text()

    page.click("text=Undo the kill")
    page.fill("#id_reason", "Checked: it is the right person")
    page.click("input[type=submit]")
    page.wait_for_url(f"**/admin/stories/article/{article.id}/change/")
    assert new_page().goto(public).status == 200
    assert list(AuditEntry.objects.order_by("id").values_list("action", "who")) == [("kill", "chief"), ("unkill", "chief")]
    # The audit log is in the admin, read-only.
    assert page.goto("/admin/stories/auditentry/").status == 200
    assert page.locator("#result_list tbody tr").count() == 2
    assert not violations(page), violations(page)


def test_someone_without_change_rights_cannot_kill(site, django_user_model, new_page):
    article = Article.objects.order_by("id").first()
    viewer = django_user_model.objects.create_user("viewer", "", PASSWORD, is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_article"))
    page = new_page()
    page.goto("/admin/login/")
    page.fill("#id_username", "viewer")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")
    page.wait_for_url("**/admin/")
    assert page.goto(f"/admin/stories/takedown/kill/{article.id}/").status == 403
    assert Article.objects.get(id=article.id).withdrawn_at is None


def test_an_editor_corrects_an_article_and_readers_see_the_note(site, staff, watched, new_page):
    article = Article.objects.filter(story__isnull=False).order_by("published_at").first()
    public = f"/story/{article.id}-{article.slug}/"
    page = watched
    sign_in(page)
    page.goto(f"/admin/stories/article/{article.id}/change/")
    page.click(f"a[href='/admin/stories/revision/correct/{article.id}/']")
    page.wait_for_url(f"**/admin/stories/revision/correct/{article.id}/")
    page.fill("#id_title", article.title + " (corrected)")
    page.fill("#id_note", "An earlier version gave the wrong day.")
    page.click("input[type=submit]")
    page.wait_for_url(f"**/admin/stories/article/{article.id}/change/")
    assert "Correction published" in page.locator(".messagelist").inner_text()
    page.click(f"a[href='/admin/stories/revision/history/{article.id}/']")
    assert page.locator("table.diff").count() == 1
    assert not violations(page), violations(page)

    reader = new_page()
    assert reader.goto(public).status == 200
    assert reader.locator("h1").inner_text().endswith("(corrected)")
    assert "An earlier version gave the wrong day." in reader.locator("p.correction").inner_text()


def test_an_editor_pins_an_older_story_and_it_leads_its_section_and_the_next_email(site, staff, watched, new_page):
    from wiredesk.stories.models import Pin

    section = (Article.objects.filter(duplicate_of__isnull=True, withdrawn_at__isnull=True)
               .values_list("section", flat=True).order_by("section").first())
    listed = Article.objects.filter(section=section, duplicate_of__isnull=True, withdrawn_at__isnull=True)
    older, newest = listed.order_by("published_at").first(), listed.order_by("-published_at").first()
    assert older.id != newest.id
    page = watched
    sign_in(page)
    page.goto(f"/admin/stories/article/{older.id}/change/")
    page.click("text=Pin it on a brand")
    page.wait_for_url("**/admin/stories/pin/add/**")
    # The brand is an autocomplete (the admin's select2): type, then pick the suggestion.
    page.click("#id_brand + .select2")
    page.fill(".select2-search__field", site.name[:7])
    page.click(f".select2-results__option >> text={site.name}")
    page.select_option("#id_section", value=section)
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/stories/pin/")
    assert not violations(page), violations(page)
    pin = Pin.objects.get()
    assert (pin.article_id, pin.brand_id, pin.by) == (older.id, site.id, "chief")

    reader = new_page()
    text = reader.goto(f"/section/{section}/") and reader.locator("main").inner_text()
    assert older.title in text and text.index(older.title) < text.index(newest.title)

    page.goto(f"/admin/digest/edition/next/{site.id}/")
    assert f"{older.title} ({older.source.credit}) — editor's pick" in page.locator("#content").inner_text()
    assert not violations(page), violations(page)


def test_an_admin_edits_a_brands_hosts_and_sections_with_real_widgets(site, staff, watched, new_page):
    from wiredesk.brands.models import Brand

    page = watched
    sign_in(page)
    page.goto(f"/admin/brands/brand/{site.id}/change/")
    hosts = page.locator("#id_hosts")
    assert hosts.evaluate("e => e.tagName") == "TEXTAREA"
    page.fill("#id_hosts", "localhost\nexample .test")  # a space in a host name
    page.click("input[name=_save]")
    assert "example .test" in page.locator(".errorlist").first.inner_text()
    assert Brand.objects.get(id=site.id).hosts == site.hosts  # nothing stored
    page.fill("#id_hosts", "\n".join([*site.hosts, "Harbour.EXAMPLE"]))
    boxes = page.locator("input[name=sections]")
    assert boxes.count() >= 5
    page.uncheck("input[name=sections][value=sports]")
    page.check("input[name=sections][value=world]")
    page.click("input[name=_save]")
    page.wait_for_url("**/admin/brands/brand/")
    assert not violations(page), violations(page)
    brand = Brand.objects.get(id=site.id)
    assert brand.hosts[-1] == "harbour.example" and "sports" not in brand.sections and "world" in brand.sections
