"""Project-wide views: the pages Django shows when a request fails a security check."""

from django.shortcuts import render


def csrf_failure(request, reason=""):
    """A friendly page in the site's design instead of Django's plain CSRF failure page.

    A refused comment gets its article back instead, with the reader's text kept in the form.
    """
    match = getattr(request, "resolver_match", None)
    if match is not None and match.view_name == "comments:post":
        from comments.views import refuse_without_csrf_token

        return refuse_without_csrf_token(request, **match.kwargs)
    return render(request, "403_csrf.html", {"reason": reason}, status=403)
