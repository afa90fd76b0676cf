"""Reader-facing pages of the daily email: sign-up, confirm, unsubscribe, preferences.

None of these pages is cached. Links in mail are opened by scanners, so GET and HEAD only
ever show a page with a button; the POST behind the button does the change. The signed
token is the only identity: a logged-in staff member acts for the subscriber it names.
"""

from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from wiredesk.core.pages import invalid_link_page, rate_limited_page
from wiredesk.core.ratelimit import client_ip
from wiredesk.digest.forms import PreferencesForm, SignupForm
from wiredesk.digest.models import Subscriber
from wiredesk.digest.services import subscriptions as svc

Status = Subscriber.Status
METHODS = ["GET", "HEAD", "POST"]


def _invalid_link(request, kind: str):
    return invalid_link_page(request, template="digest/invalid_link.html", kind=kind)


@never_cache
@require_http_methods(METHODS)
def signup(request):
    now = timezone.now()
    if request.method != "POST":
        # From an article's promo box: the address typed there.
        form = SignupForm(brand=request.brand, now=now, email=request.GET.get("email", "")[:254])
        return render(request, "digest/signup.html", {"form": form})
    wait = svc.signup_wait(ip=client_ip(request), now=now)
    if wait:
        return rate_limited_page(request, template="digest/rate_limited.html", wait=wait, now=now)
    form = SignupForm(request.POST, brand=request.brand, now=now)
    if form.is_bot:
        return render(request, "digest/signup_done.html")  # the same answer, and nothing done
    if not form.is_valid():
        return render(request, "digest/signup.html", {"form": form}, status=400)
    svc.subscription_start(
        brand=request.brand, email=form.cleaned_data["email"], sections=form.cleaned_data["sections"],
        ip=client_ip(request), now=now,
    )
    return render(request, "digest/signup_done.html")


@never_cache
@require_http_methods(METHODS)
def confirm(request, token):
    subscriber = svc.subscriber_for_token(brand=request.brand, purpose="confirm", token=token)
    if subscriber is None or subscriber.status not in (Status.PENDING, Status.CONFIRMED):
        return _invalid_link(request, "confirm")
    if request.method != "POST":
        return render(request, "digest/confirm.html", {"token": token})
    confirmed = svc.subscriber_confirm(
        subscriber=subscriber, ip=client_ip(request), user_agent=request.headers.get("User-Agent", ""),
        now=timezone.now(),
    )
    if not confirmed:
        return _invalid_link(request, "confirm")
    return render(request, "digest/confirmed.html", {"token": token})


@csrf_exempt  # RFC 8058: mail providers POST with no cookie and no CSRF token
@never_cache
@require_http_methods(METHODS)
def unsubscribe(request, token):
    subscriber = svc.subscriber_for_token(brand=request.brand, purpose="unsubscribe", token=token)
    if subscriber is None:
        return _invalid_link(request, "unsubscribe")
    if request.method != "POST":
        return render(request, "digest/unsubscribe.html", {"token": token})
    one_click = request.POST.get("List-Unsubscribe") == "One-Click"
    svc.subscriber_unsubscribe(subscriber=subscriber, via="one-click" if one_click else "page", now=timezone.now())
    return render(request, "digest/unsubscribed.html")


@never_cache
@require_http_methods(METHODS)
def preferences(request, token):
    subscriber = svc.subscriber_for_token(brand=request.brand, purpose="preferences", token=token)
    if subscriber is None:
        return _invalid_link(request, "preferences")
    active = subscriber.status in (Status.PENDING, Status.CONFIRMED)
    if request.method == "POST" and active and request.POST.get("action") == "unsubscribe":
        svc.subscriber_unsubscribe(subscriber=subscriber, via="preferences", now=timezone.now())
        return render(request, "digest/unsubscribed.html")
    form = PreferencesForm(request.POST if request.method == "POST" and active else None, subscriber=subscriber)
    saved = form.is_bound and form.is_valid()
    if saved:
        svc.subscriber_sections_set(subscriber=subscriber, sections=form.cleaned_data["sections"])
    context = {"form": form, "subscriber": subscriber, "active": active, "saved": saved, "token": token}
    return render(request, "digest/preferences.html", context, status=400 if form.errors else 200)
