"""Security headers on every response: a Content-Security-Policy without inline scripts or styles.

One policy for the reader pages and the admin alike: Django's admin runs only its own script
files and stylesheets (its few <script> elements are data blocks or have a src), and it shows
submitted text (news releases, sign-up details) to staff, who are the prize for an injection.
"""

from __future__ import annotations

from django.conf import settings


def content_security_policy() -> str:
    images = " ".join(["'self'", "data:", *settings.IMAGE_SOURCES])
    return "; ".join(
        [
            "default-src 'self'",
            "script-src 'self'",
            "style-src 'self'",
            f"img-src {images}",
            "font-src 'self'",
            "connect-src 'self'",
            "object-src 'none'",
            "base-uri 'none'",
            "form-action 'self'",
            "frame-ancestors 'none'",
        ]
    )


class SecurityHeadersMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response
        self.csp = content_security_policy()

    def __call__(self, request):
        response = self.get_response(request)
        # A view with a policy of its own (the email preview allows inline styles) keeps it.
        response.setdefault("Content-Security-Policy", self.csp)
        response.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()")
        return response
