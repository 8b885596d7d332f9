from .article import Article, ArticleAuthor
from .author import Author
from .correction import Correction
from .desk import Draft, Presence
from .editing import EditConflict
from .image import Image
from .preview import PreviewLink
from .redirect import Redirect
from .revision import Revision
from .section import Section
from .site import FollowLink, SiteSettings
from .tag import Tag, TaggedArticle
from .workflow import Transition, TransitionNotAllowed

__all__ = [
    "Article",
    "ArticleAuthor",
    "Author",
    "Correction",
    "Draft",
    "EditConflict",
    "FollowLink",
    "Image",
    "Presence",
    "PreviewLink",
    "Redirect",
    "Revision",
    "Section",
    "SiteSettings",
    "Tag",
    "TaggedArticle",
    "Transition",
    "TransitionNotAllowed",
]
