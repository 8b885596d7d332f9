"""Project-wide views: the pages Django shows when a request fails a security check."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A friendly page in the site's design instead of Django's plain CSRF failure page."""
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
