"""Settings for ``make bench``: the site's own settings plus the floor page (``benchmarks.urls``).

Only the benchmarks use this module (``DJANGO_SETTINGS_MODULE=benchmarks.settings``): the floor's
address exists nowhere else.
"""

from newsroom.settings import *  # noqa: F403

ROOT_URLCONF = "benchmarks.urls"
