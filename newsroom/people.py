"""How a staff member is named to other people (histories, conflicts, presence, bylines)."""

SYSTEM = "the system"


def display_name(user, nobody=SYSTEM):
    """``user``'s full name, else their username; ``nobody`` when no person did it (a scheduled
    publication, a task)."""
    if user is None:
        return nobody
    return user.get_full_name() or user.get_username()
