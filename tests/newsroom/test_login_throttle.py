"""The admin login refuses guessers: 10 failures per account or per IP in 10 minutes, then 429."""

import re
import time

import pytest
import time_machine
from django.contrib.auth import password_validation
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

pytestmark = pytest.mark.django_db

PASSWORD = "correct horse battery staple"


def attempt(username, password, ip="203.0.113.5"):
    client = Client(REMOTE_ADDR=ip)
    return client.post(reverse("admin:login"), {"username": username, "password": password})


def fail(count, username, ip="203.0.113.5"):
    for _ in range(count):
        response = attempt(username, "wrong password", ip=ip)
        assert response.status_code == 200  # the form again, with its error


def test_ten_failures_for_an_account_then_429_even_with_the_right_password(make):
    make.staff(username="chief", password=PASSWORD)
    for n in range(10):  # from ten different addresses: the account's count is what fills up
        fail(1, "chief", ip=f"198.51.100.{n + 1}")
    response = attempt("chief", PASSWORD, ip="198.51.100.99")
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 600
    assert "Too many failed attempts" in response.text
    assert "_auth_user_id" not in response.client.session


def test_ten_failures_from_an_ip_then_429_for_any_account(make):
    make.staff(username="chief", password=PASSWORD)
    for n in range(10):
        fail(1, f"guess{n}", ip="192.0.2.7")
    assert attempt("chief", PASSWORD, ip="192.0.2.7").status_code == 429
    # Another address is not held back.
    assert attempt("chief", PASSWORD, ip="192.0.2.8").status_code == 302


def test_nine_failures_still_let_the_owner_in(make):
    make.staff(username="chief", password=PASSWORD)
    fail(9, "chief")
    assert attempt("chief", PASSWORD).status_code == 302


def test_a_success_does_not_reset_another_ips_count(make):
    make.staff(username="chief", password=PASSWORD)
    for n in range(10):
        fail(1, f"guess{n}", ip="192.0.2.7")
    assert attempt("chief", PASSWORD, ip="192.0.2.99").status_code == 302
    assert attempt("chief", PASSWORD, ip="192.0.2.7").status_code == 429


def test_the_refusal_does_not_say_whether_the_account_exists(make):
    make.staff(username="chief", password=PASSWORD)
    with time_machine.travel("2026-12-01 12:00:00Z", tick=False):  # the same Retry-After
        fail(10, "chief", ip="192.0.2.1")
        fail(10, "nobody-by-this-name", ip="192.0.2.2")
        known = attempt("chief", "wrong password", ip="192.0.2.1")
        unknown = attempt("nobody-by-this-name", "wrong password", ip="192.0.2.2")
    assert known.status_code == unknown.status_code == 429
    assert known.headers["Retry-After"] == unknown.headers["Retry-After"]
    assert without_tokens(known.text) == without_tokens(unknown.text)


def without_tokens(html):
    """A page without what differs on every response (CSP nonces, CSRF tokens)."""
    html = re.sub(r'nonce="[^"]*"', "", html)
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', "", html)


def test_the_window_closes_by_itself(make, settings):
    """Counted in the real cache (Redis in the PostgreSQL round), whose keys expire by its own
    clock: a short window stands in for the ten minutes."""
    assert settings.ADMIN_LOGIN_RATE_WINDOW == 600
    settings.ADMIN_LOGIN_RATE_WINDOW = 2
    make.staff(username="chief", password=PASSWORD)
    fail(10, "chief")
    refused = attempt("chief", PASSWORD)
    assert refused.status_code == 429
    assert int(refused["Retry-After"]) <= 3
    time.sleep(2.2)
    assert attempt("chief", PASSWORD).status_code == 302


def test_passwords_shorter_than_twelve_are_refused(make):
    user = make.staff()
    with pytest.raises(ValidationError, match="at least 12"):
        password_validation.validate_password("Tr0ub4dor&3", user)
    password_validation.validate_password("a long passphrase of words", user)
