from .article import Article, ArticleAuthor
from .author import Author
from .correction import Correction
from .image import Image
from .section import Section
from .site import FollowLink, SiteSettings
from .tag import Tag, TaggedArticle

__all__ = [
    "Article",
    "ArticleAuthor",
    "Author",
    "Correction",
    "FollowLink",
    "Image",
    "Section",
    "SiteSettings",
    "Tag",
    "TaggedArticle",
]
