"""Two-factor login for staff: a code from an authenticator app (TOTP), or a recovery code.

Built on django-otp: a ``TOTPDevice`` is the authenticator app, a ``StaticDevice`` holds the
one-time recovery codes (each works once). Optional for every staff member (the "Two-factor
login" page in the admin's user menu); a superuser can require it for Editors and superusers
(``SiteSettings.require_two_factor``).

The login stays one page plus a code page: the admin's login form checks the password; someone
with a device is then asked for a code (``login_code``) before being logged in; someone who
must use two-factor and has no device yet is logged in and sent to set one up, and the admin
shows them nothing else until they have (``TwoFactorMiddleware``). Wrong codes count against the
same throttle as wrong passwords (``newsroom.login``).
"""

import time

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth import login as auth_login
from django.contrib.auth import logout as auth_logout
from django.contrib.auth.views import LoginView, RedirectURLMixin
from django.http import HttpResponseRedirect
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django_otp import devices_for_user, match_token
from django_otp import login as otp_login
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.groups import EDITORS
from newsroom import login as throttle
from newsroom.middleware import DATABASE_ERRORS, database_unavailable

PENDING_KEY = "twofactor:pending"
PENDING_SECONDS = 300  # the code page waits this long after the password
RECOVERY_CODES = 10


def has_device(user):
    return any(True for _device in devices_for_user(user))


def is_required_for(user):
    from articles.models import SiteSettings

    if not (user.is_superuser or user.groups.filter(name=EDITORS).exists()):
        return False
    return SiteSettings.load().require_two_factor


def _safe_next(request, value):
    if value and url_has_allowed_host_and_scheme(
        value, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return value
    return reverse("admin:index")


# Logging in ---------------------------------------------------------------------------------


class PasswordStepView(LoginView):
    """Django's login view; with a device, the password only opens the code page."""

    def form_valid(self, form):
        user = form.get_user()
        if not has_device(user):
            return super().form_valid(form)
        self.request.session[PENDING_KEY] = {
            "user": user.pk,
            "backend": user.backend,
            "at": time.time(),
            "next": self.get_success_url(),
        }
        return HttpResponseRedirect(reverse("two_factor_code"))


def password_step(request, extra_context=None):
    """``AdminSite.login`` with :class:`PasswordStepView` (the same context and template)."""
    from django.contrib.admin.forms import AdminAuthenticationForm

    redirect_url = RedirectURLMixin.get_redirect_url(LoginView(request=request)) or reverse(
        "admin:index"
    )
    if request.method == "GET" and admin.site.has_permission(request):
        return HttpResponseRedirect(redirect_url)
    context = {
        **admin.site.each_context(request),
        "title": "Log in",
        "subtitle": None,
        "app_path": request.get_full_path(),
        "username": request.user.get_username(),
        "next": redirect_url,
        **(extra_context or {}),
    }
    request.current_app = admin.site.name
    return PasswordStepView.as_view(
        extra_context=context,
        authentication_form=AdminAuthenticationForm,
        template_name="admin/login.html",
    )(request)


def login(request, extra_context=None):
    """The admin's login page (at the admin's own login address): the throttle
    (``newsroom.login``) in front of the password step, which asks for a code next when there is
    a device."""
    if request.method != "POST":
        return password_step(request, extra_context)
    keys = throttle.counted_keys(request, request.POST.get("username", ""))
    refused = throttle.refusal(request, keys)
    if refused is not None:
        return refused
    response = password_step(request, extra_context)
    # The login form comes back (200) when the name and password did not match; a success
    # redirects.
    if response.status_code == 200:
        throttle.count_failure(keys)
    return response


def pending_user(request):
    pending = request.session.get(PENDING_KEY)
    if not pending or time.time() - pending["at"] > PENDING_SECONDS:
        return None, None
    user = get_user_model()._default_manager.filter(pk=pending["user"], is_active=True).first()
    return user, pending


def login_code(request):
    """The second page: a code from the app, or a recovery code."""
    user, pending = pending_user(request)
    if user is None:
        request.session.pop(PENDING_KEY, None)
        messages.info(request, "Please log in again.")
        return redirect("admin:login")
    keys = throttle.counted_keys(request, user.get_username())
    error = None
    if request.method == "POST":
        refused = throttle.refusal(request, keys)
        if refused is not None:
            return refused
        token = "".join(request.POST.get("code", "").split())[:64]
        device = match_token(user, token) if token else None
        if device is not None:
            del request.session[PENDING_KEY]
            user.backend = pending["backend"]
            auth_login(request, user)
            otp_login(request, device)
            return HttpResponseRedirect(_safe_next(request, pending["next"]))
        throttle.count_failure(keys)
        error = "That code is not right. Enter the current code from your app, or a recovery code."
    context = {
        **admin.site.each_context(request),
        "title": "Enter your code",
        "error": error,
        "app_path": request.get_full_path(),
    }
    return TemplateResponse(request, "admin/login_code.html", context, status=200)


# Setting it up ------------------------------------------------------------------------------


def new_recovery_codes(user):
    """Replace the user's recovery codes with fresh ones and return them (shown once)."""
    device, _ = StaticDevice.objects.get_or_create(user=user, name="Recovery codes")
    device.token_set.all().delete()
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    StaticToken.objects.bulk_create(StaticToken(device=device, token=code) for code in codes)
    return codes


def manage(request):
    """The staff member's own two-factor page: set up, new recovery codes, turn off."""
    user = request.user
    required = is_required_for(user)
    app = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    context = {
        **admin.site.each_context(request),
        "title": "Two-factor login",
        "app": app,
        "required": required,
        "recovery_left": StaticToken.objects.filter(device__user=user).count(),
    }
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "start":
        TOTPDevice.objects.filter(user=user, confirmed=False).delete()
        device = TOTPDevice.objects.create(user=user, name="Authenticator app", confirmed=False)
        return _setup_page(request, context, device)
    if action == "confirm":
        device = TOTPDevice.objects.filter(user=user, confirmed=False).last()
        if device is None:
            return redirect("two_factor")
        token = "".join(request.POST.get("code", "").split())[:16]
        if not device.verify_token(token):
            context["error"] = "That code is not right: enter the six digits your app shows now."
            return _setup_page(request, context, device)
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()  # one app at a time
        device.confirmed = True
        device.save()
        otp_login(request, device)
        context.update(app=device, codes=new_recovery_codes(user), just_set_up=True)
        return TemplateResponse(request, "admin/two_factor.html", context)
    if action == "recovery" and app is not None:
        context.update(codes=new_recovery_codes(user), recovery_left=RECOVERY_CODES)
        return TemplateResponse(request, "admin/two_factor.html", context)
    if action == "disable" and not required:
        for device in devices_for_user(user, confirmed=None):
            device.delete()
        messages.success(request, "Two-factor login is off for your account.")
        return redirect("two_factor")
    return TemplateResponse(request, "admin/two_factor.html", context)


def _setup_page(request, context, device):
    from base64 import b32encode

    context.update(
        device=device,
        secret=b32encode(device.bin_key).decode(),
        config_url=device.config_url,
    )
    return TemplateResponse(request, "admin/two_factor_setup.html", context)


# Holding to it ------------------------------------------------------------------------------


class TwoFactorMiddleware:
    """In the admin, staff who must use two-factor login (``is_required_for``) and whose
    session was not verified with a code see nothing but the page to set it up, or, when they
    have a device, are sent back to log in with it. Nothing is asked of anyone else."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        try:
            refused = self.refusal(request)
        except DATABASE_ERRORS:  # the user and the rule are in the database: it is away
            return database_unavailable()
        return refused or self.get_response(request)

    def refusal(self, request):
        user = getattr(request, "user", None)
        admin_root = reverse("admin:index")
        if (
            request.path.startswith(admin_root)
            and user is not None
            and user.is_authenticated
            and user.is_staff
            and request.path not in self.exempt_paths()
            and not user.is_verified()
            and is_required_for(user)
        ):
            if has_device(user):
                auth_logout(request)  # a session from before: log in again, with the code
                query = urlencode({"next": request.get_full_path()})
                return HttpResponseRedirect(f"{reverse('admin:login')}?{query}")
            messages.warning(
                request, "Two-factor login is required for your account: set it up to go on."
            )
            return HttpResponseRedirect(reverse("two_factor"))
        return None

    @staticmethod
    def exempt_paths():
        return {
            reverse("admin:login"),
            reverse("admin:logout"),
            reverse("two_factor"),
            reverse("two_factor_code"),
            reverse("admin:jsi18n"),
        }
