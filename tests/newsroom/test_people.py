"""A staff member is named the same way everywhere: history, conflicts, presence, bylines."""

import pytest

from articles.models import Author
from newsroom.people import display_name

pytestmark = pytest.mark.django_db


def test_a_person_is_their_full_name_else_their_username(make):
    assert (
        display_name(make.staff(first_name="Ana", last_name="Lúcia", username="al")) == "Ana Lúcia"
    )
    assert display_name(make.staff(username="nightdesk")) == "nightdesk"


def test_no_person_is_the_system():
    assert display_name(None) == "the system"


def test_a_new_authors_profile_takes_the_same_name(make):
    assert Author.profile_for(make.staff(first_name="Ζωή", last_name="Παππά")).name == "Ζωή Παππά"
