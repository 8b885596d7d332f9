"""Template context every public page needs: the site's name, menu and configurable slots."""

from django.conf import settings


def site(request):
    # Imported here so the project package does not import apps at settings-load time.
    from articles.models import Section, SiteSettings

    return {
        "SITE_NAME": settings.SITE_NAME,
        "SITE_URL": settings.SITE_URL,
        "OG_LOCALE": og_locale(settings.LANGUAGE_CODE),
        "menu_sections": Section.objects.menu(),
        "site_settings": SiteSettings.load(),
    }


def og_locale(language_code):
    """Open Graph's locale from a language code: "en-gb" is "en_GB"."""
    language, _, region = language_code.partition("-")
    return f"{language}_{region.upper()}" if region else language
