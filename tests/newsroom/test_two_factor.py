"""Two-factor login for staff, with real TOTP codes (django_otp.oath.totp) and recovery codes."""

import re

import pytest
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from articles.models import SiteSettings

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"
LOGIN = reverse("admin:login")
CODE_PAGE = reverse("two_factor_code")
MANAGE = reverse("two_factor")
INDEX = reverse("admin:index")


def code_for(device, drift=0):
    """What the person's authenticator app shows now."""
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=drift)
    return str(value).zfill(device.digits)


def with_app(user):
    return TOTPDevice.objects.create(user=user, name="Phone", confirmed=True)


def log_in_with_password(client, username):
    return client.post(LOGIN, {"username": username, "password": PASSWORD, "next": INDEX})


def is_logged_in(client):
    return client.get(INDEX).status_code == 200


@pytest.fixture(autouse=True)
def _no_device_throttle(settings):
    # django-otp's own per-device back-off (seconds after each wrong code) is on in production;
    # the site's login throttle is what these tests count.
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    settings.OTP_STATIC_THROTTLE_FACTOR = 0


def test_without_a_device_the_password_alone_logs_in(client, make):
    make.staff(username="writer", password=PASSWORD)
    response = log_in_with_password(client, "writer")
    assert response.status_code == 302 and response["Location"] == INDEX
    assert is_logged_in(client)


def test_with_an_app_the_password_leads_to_the_code_page_and_a_real_code_logs_in(client, make):
    device = with_app(make.staff(username="chief", password=PASSWORD))
    response = log_in_with_password(client, "chief")
    assert response.status_code == 302 and response["Location"] == CODE_PAGE
    assert not is_logged_in(client)  # the password alone is not enough
    page = client.get(CODE_PAGE)
    assert page.status_code == 200 and 'autocomplete="one-time-code"' in page.text
    response = client.post(CODE_PAGE, {"code": code_for(device)})
    assert response.status_code == 302 and response["Location"] == INDEX
    assert is_logged_in(client)
    assert client.session["otp_device_id"] == device.persistent_id


def test_a_wrong_code_is_refused_and_the_same_code_never_works_twice(client, make):
    device = with_app(make.staff(username="chief", password=PASSWORD))
    log_in_with_password(client, "chief")
    response = client.post(CODE_PAGE, {"code": "000000" if code_for(device) != "000000" else "1"})
    assert response.status_code == 200
    assert "That code is not right" in response.text
    assert not is_logged_in(client)
    code = code_for(device)
    assert client.post(CODE_PAGE, {"code": code}).status_code == 302
    # Someone who watched it being typed, a moment later:
    other = Client()
    log_in_with_password(other, "chief")
    assert other.post(CODE_PAGE, {"code": code}).status_code == 200
    assert not is_logged_in(other)


def test_wrong_codes_count_toward_the_login_throttle(client, make):
    device = with_app(make.staff(username="chief", password=PASSWORD))
    log_in_with_password(client, "chief")
    wrong = str((int(code_for(device)) + 1) % 1_000_000).zfill(6)
    for _ in range(10):
        assert client.post(CODE_PAGE, {"code": wrong}).status_code == 200
    response = client.post(CODE_PAGE, {"code": code_for(device)})
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_the_code_page_without_the_password_step_sends_back_to_log_in(client):
    response = client.post(CODE_PAGE, {"code": "123456"})
    assert response.status_code == 302 and response["Location"] == LOGIN


def test_setting_up_an_app_and_logging_in_with_a_recovery_code_once(client, make):
    user = make.staff(username="chief", password=PASSWORD)
    client.force_login(user)
    assert "is <strong>off</strong>" in client.get(MANAGE).text
    page = client.post(MANAGE, {"action": "start"})
    secret = re.search(r'class="otp-secret">([A-Z2-7]+)<', page.text).group(1)
    assert len(secret) >= 32
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    refused = client.post(MANAGE, {"action": "confirm", "code": "12"})
    assert "That code is not right" in refused.text
    shown = client.post(MANAGE, {"action": "confirm", "code": code_for(device)})
    device.refresh_from_db()
    assert device.confirmed
    codes = re.findall(r"<li><code>([a-z0-9]+)</code></li>", shown.text)
    assert len(codes) == 10
    assert StaticToken.objects.filter(device__user=user).count() == 10

    for attempt in range(2):
        other = Client()
        log_in_with_password(other, "chief")
        response = other.post(CODE_PAGE, {"code": codes[0]})
        assert response.status_code == (302 if attempt == 0 else 200)
    assert StaticToken.objects.filter(device__user=user).count() == 9


def test_a_superuser_can_require_it_for_editors_and_superusers(make, staff_client):
    SiteSettings.objects.update_or_create(pk=1, defaults={"require_two_factor": True})
    editor = make.staff(["Editors"], username="editor", password=PASSWORD)
    client = Client()
    log_in_with_password(client, "editor")
    # Logged in, but the admin shows nothing but the set-up page until there is an app.
    response = client.get(INDEX)
    assert response.status_code == 302 and response["Location"] == MANAGE
    assert client.get(reverse("admin:articles_article_changelist"))["Location"] == MANAGE
    assert client.get(MANAGE).status_code == 200
    client.post(MANAGE, {"action": "start"})
    device = TOTPDevice.objects.get(user=editor)
    client.post(MANAGE, {"action": "confirm", "code": code_for(device)})
    assert is_logged_in(client)
    # Required: it cannot be turned off.
    client.post(MANAGE, {"action": "disable"})
    assert TOTPDevice.objects.filter(user=editor, confirmed=True).exists()

    # A session that never gave a code (from before the rule) goes back to the login.
    stale = Client()
    stale.force_login(editor)
    assert stale.get(INDEX)["Location"].startswith(LOGIN)

    # Moderators and Authors are not held to it.
    assert staff_client(["Moderators"]).get(INDEX).status_code == 200
    assert staff_client(["Authors"]).get(INDEX).status_code == 200


def test_only_superusers_can_set_the_requirement(make, staff_client):
    SiteSettings.objects.get_or_create(pk=1)
    url = reverse("admin:articles_sitesettings_change", args=[1])
    assert staff_client(["Editors"]).get(url).status_code == 403
    page = staff_client(is_superuser=True).get(url)
    assert page.status_code == 200 and 'name="require_two_factor"' in page.text


def test_turning_it_off_when_not_required(client, make):
    user = make.staff(username="chief", password=PASSWORD)
    with_app(user)
    client.force_login(user)
    client.post(MANAGE, {"action": "disable"})
    assert not TOTPDevice.objects.filter(user=user).exists()
    fresh = Client()
    assert log_in_with_password(fresh, "chief")["Location"] == INDEX
