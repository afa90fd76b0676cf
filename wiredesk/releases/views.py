"""Public pages of news releases: the form, email verification, the status page, images.

None of these pages is cached. Links in mail are opened by scanners, so GET and HEAD of the
verification link only show a page with a button; the POST behind it does the change. The
signed token is the only identity.
"""

from __future__ import annotations

from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from wiredesk.core.pages import invalid_link_page, rate_limited_page
from wiredesk.core.ratelimit import client_ip
from wiredesk.releases import images
from wiredesk.releases.forms import ReleaseForm, draft_key_read
from wiredesk.releases.models import Submission
from wiredesk.releases.services import submissions as svc
from wiredesk.core.signed import new_key as new_draft_key
from wiredesk.releases.tokens import make_token, status_path

Status = Submission.Status
METHODS = ["GET", "HEAD", "POST"]


def _form(request, now, data=None, files=None) -> ReleaseForm:
    return ReleaseForm(data, files, brand=request.brand, now=now, image_limits=svc.image_limits(),
                       max_images=svc.max_images())


def _form_page(request, form, *, draft_key, drafts, results=None, status=200, retry_after=None):
    context = {
        "form": form, "slots": form.slots(drafts, svc.draft_thumbnails(drafts=drafts)), "results": results,
        "draft_token": make_token("draft", draft_key), "time_zone": request.brand.time_zone,
    }
    response = render(request, "releases/submit.html", context, status=status)
    if retry_after:
        response["Retry-After"] = str(retry_after)
    return response


def _rate_limited(request, wait: int, now):
    return rate_limited_page(request, template="releases/rate_limited.html", wait=wait, now=now)


@never_cache
@require_http_methods(METHODS)
def submit(request):
    now = timezone.now()
    if request.method != "POST":
        return _form_page(request, _form(request, now), draft_key=new_draft_key(), drafts=[])
    wait = svc.form_wait(ip=client_ip(request), now=now)
    if wait:
        return _rate_limited(request, wait, now)
    form = _form(request, now, request.POST, request.FILES)
    if form.is_bot:
        return render(request, "releases/sent.html", {"results": []})  # the same answer, nothing done
    draft_key = draft_key_read(request.POST.get("draft")) or new_draft_key()
    form.is_valid()
    done = svc.release_submit(brand=request.brand, form=form, draft_key=draft_key, ip=client_ip(request), now=now)
    if done.kind == "sent":
        return render(request, "releases/sent.html", {"results": [r for r in done.results if not r.ok]})
    page = {"draft_key": draft_key, "drafts": done.drafts, "results": done.results}
    status = {"invalid": 400, "wait": 429}.get(done.kind, 200)
    return _form_page(request, form, **page, status=status, retry_after=done.wait or None)


def _invalid_link(request, kind: str):
    return invalid_link_page(request, template="releases/invalid_link.html", kind=kind)


@never_cache
@require_http_methods(METHODS)
def verify(request, token):
    submission = svc.submission_for_token(brand=request.brand, purpose="verify", token=token)
    if submission is None:
        return _invalid_link(request, "verify")
    now = timezone.now()
    waiting = svc.submissions_waiting_alongside(submission=submission, now=now)
    if request.method != "POST":
        return render(request, "releases/verify.html", {"submission": submission, "waiting": waiting,
                                                        "token": token})
    also = [int(v) for v in request.POST.getlist("also") if v.isascii() and v.isdigit() and len(v) < 19]
    verified = svc.submission_verify(submission=submission, also=also, now=now)
    done = [(s, status_path(s)) for s in verified]
    return render(request, "releases/verified.html", {"done": done})


@never_cache
@require_http_methods(["GET", "HEAD"])
def status(request, token):
    submission = svc.submission_for_token(brand=request.brand, purpose="status", token=token)
    if submission is None:
        return _invalid_link(request, "status")
    return render(request, "releases/status.html", {"submission": submission, "Status": Status})


@require_http_methods(["GET", "HEAD"])
def image(request, name):
    stored = svc.image_for_name(name=name)
    if stored is None or not svc.image_visible(image=stored, brand=request.brand, user=request.user):
        raise Http404
    try:
        handle = stored.file.open("rb")
    except OSError:
        raise Http404 from None
    response = FileResponse(handle, content_type=images.CONTENT_TYPES[name.rsplit(".", 1)[1]])
    response["X-Content-Type-Options"] = "nosniff"
    # Nothing in an image document may run, even if a browser were to read it as something else.
    response["Content-Security-Policy"] = "default-src 'none'; img-src 'self'; sandbox"
    public = stored.submission is not None and stored.submission.status == Status.PUBLISHED
    response["Cache-Control"] = "public, max-age=3600" if public else "private, no-store"
    return response
