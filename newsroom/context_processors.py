"""Template context every public page needs: the site's name, menu and configurable slots."""

from django.conf import settings


def site(request):
    # Imported here so the project package does not import apps at settings-load time.
    from articles.models import Section, SiteSettings

    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "menu_sections": Section.objects.menu(),
        "site_settings": SiteSettings.load(),
    }
