"""Keep the cached menu and site settings exact: any change to their rows drops the cache."""

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from .models import FollowLink, Section, SiteSettings
from .models.article import MENU_CACHE_KEY
from .models.site import SITE_SETTINGS_CACHE_KEY


@receiver([post_save, post_delete], sender=Section)
def forget_menu(**kwargs):
    cache.delete(MENU_CACHE_KEY)


@receiver([post_save, post_delete], sender=FollowLink)
@receiver([post_save, post_delete], sender=SiteSettings)
def forget_site_settings(**kwargs):
    cache.delete(SITE_SETTINGS_CACHE_KEY)
