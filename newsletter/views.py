"""Sign-up, confirmation, leaving and managing a subscription; the public archive of issues."""

from urllib.parse import urlsplit

from django.core import signing
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods
from django.views.generic import DetailView, ListView

from newsroom.clients import client_ip

from . import throttle
from .forms import CONSENT_TEXT, ManageForm, SubscribeForm
from .models import Issue, Subscriber
from .tasks import send_confirmation


def _referring_page(request):
    """The path of the page on this site the request came from, or ""."""
    referer = request.headers.get("Referer", "")
    if url_has_allowed_host_and_scheme(referer, allowed_hosts={request.get_host()}):
        return urlsplit(referer).path[:500]
    return ""


@require_http_methods(["GET", "POST"])
def subscribe(request):
    """The same answer whether the address is new, pending or already confirmed."""
    if request.method == "GET":
        form = SubscribeForm(initial={"email": request.GET.get("email", "")})
        return render(request, "newsletter/subscribe.html", {"form": form})
    form = SubscribeForm(request.POST)
    if not form.is_valid():
        return render(request, "newsletter/subscribe.html", {"form": form}, status=400)
    refusal = throttle.sign_up_refusal(client_ip(request), form.cleaned_data["email"])
    if refusal:
        message, retry_after = refusal
        form.add_error(None, message)
        response = render(request, "newsletter/subscribe.html", {"form": form}, status=429)
        response["Retry-After"] = str(retry_after)
        return response
    subscriber, should_send = Subscriber.objects.sign_up(
        email=form.cleaned_data["email"],
        name=form.cleaned_data["name"],
        # The form names its page; a form without that field falls back to the Referer.
        source=form.cleaned_data["source"] or _referring_page(request),
        text=form.cleaned_data["consent"] or CONSENT_TEXT,
        ip=client_ip(request),
    )
    if should_send:
        transaction.on_commit(lambda: send_confirmation.enqueue(subscriber.pk))
    return redirect("newsletter:subscribe_done")


def refuse_without_csrf_token(request):
    """A sign-up sent without a valid CSRF token (the project's CSRF failure view calls it):
    403, nobody signed up, and the form again with the address kept and a fresh token, so
    sending again works. A form on a cached page carries no token until its script fetched one:
    without JavaScript, this is how its reader gets one."""
    form = SubscribeForm(request.POST)
    form.is_valid()
    form.errors.clear()
    form.add_error(
        None,
        "We could not accept that form: its security check was missing or out of date, so "
        "you are not signed up yet. Please press Subscribe again.",
    )
    return render(request, "newsletter/subscribe.html", {"form": form}, status=403)


subscribe.csrf_failure = refuse_without_csrf_token


def subscribe_done(request):
    return render(request, "newsletter/subscribe_done.html")


def _bad_link(request, *, expired=False, ask_again=True):
    """A tampered, incomplete or expired link. Confirmation links offer a new email; a reader
    trying to leave or manage is not offered a sign-up form."""
    return render(
        request,
        "newsletter/bad_link.html",
        {"expired": expired, "ask_again": ask_again, "form": SubscribeForm()},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def confirm(request, token):
    """GET shows a button (or, to a reader already confirmed, that they are); only the POST
    confirms, so link scanners confirm no one. Confirming twice changes nothing."""
    try:
        subscriber = Subscriber.from_confirmation_token(token)
    except signing.SignatureExpired:
        return _bad_link(request, expired=True)
    except signing.BadSignature:
        return _bad_link(request)
    if subscriber is None:
        return _bad_link(request)
    if request.method == "POST":
        subscriber.confirm()
        return redirect("newsletter:confirmed")
    return render(request, "newsletter/confirm.html", {"subscriber": subscriber})


def confirmed(request):
    return render(request, "newsletter/confirmed.html")


@csrf_exempt  # RFC 8058 one-click: mail providers POST here without a CSRF token.
@require_http_methods(["GET", "POST"])
def unsubscribe(request, token):
    """GET shows a one-button page; any POST (ours or a mail provider's one-click
    ``List-Unsubscribe=One-Click``) unsubscribes at once. Twice is fine."""
    try:
        subscriber = Subscriber.from_unsubscribe_token(token)
    except signing.BadSignature:
        subscriber = None
    if subscriber is None:
        return _bad_link(request, ask_again=False)
    if request.method == "POST":
        subscriber.unsubscribe()
        return render(request, "newsletter/unsubscribed.html", {"subscriber": subscriber})
    return render(request, "newsletter/unsubscribe.html", {"subscriber": subscriber})


@require_http_methods(["GET", "POST"])
def manage(request, token):
    try:
        subscriber = Subscriber.from_manage_token(token)
    except signing.BadSignature:
        subscriber = None
    if subscriber is None:
        return _bad_link(request, ask_again=False)
    form = ManageForm(request.POST or None, initial={"name": subscriber.name})
    status = 200
    if request.method == "POST":
        if "leave" in request.POST:
            subscriber.unsubscribe()
            return render(request, "newsletter/unsubscribed.html", {"subscriber": subscriber})
        if form.is_valid():
            subscriber.name = form.cleaned_data["name"]
            subscriber.save(update_fields=["name"])
            return render(
                request,
                "newsletter/manage.html",
                {
                    "subscriber": subscriber,
                    "form": ManageForm(initial={"name": subscriber.name}),
                    "saved": True,
                },
            )
        status = 400
    return render(
        request, "newsletter/manage.html", {"subscriber": subscriber, "form": form}, status=status
    )


class IssueArchiveView(ListView):
    template_name = "newsletter/issue_list.html"
    paginate_by = 20
    extra_context = {"show_rail": True}

    def get_queryset(self):
        return Issue.objects.sent().order_by("-sent_at", "-pk")


class IssueDetailView(DetailView):
    template_name = "newsletter/issue_detail.html"
    extra_context = {"show_rail": True}

    def get_queryset(self):
        return Issue.objects.sent()
