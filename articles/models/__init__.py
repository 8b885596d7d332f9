from .article import Article, ArticleAuthor, Author, Section
from .correction import Correction
from .image import Image
from .site import FollowLink, SiteSettings

__all__ = [
    "Article",
    "ArticleAuthor",
    "Author",
    "Correction",
    "FollowLink",
    "Image",
    "Section",
    "SiteSettings",
]
