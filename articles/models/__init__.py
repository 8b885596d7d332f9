from .article import Article, ArticleAuthor, Author, Section
from .image import Image
from .site import FollowLink, SiteSettings

__all__ = ["Article", "ArticleAuthor", "Author", "FollowLink", "Image", "Section", "SiteSettings"]
