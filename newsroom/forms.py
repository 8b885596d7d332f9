"""What readers' forms (comments, the newsletter) render their inputs with."""

from django.forms.renderers import Jinja2

#: Django's own Jinja2 widget templates: the same markup as its Django-templates renderer in
#: half the time (the comment form's six inputs took 0.67 ms, a twentieth of the article
#: page), and the readers' pages are Jinja2 already. One instance, so its environment and
#: compiled templates are built once. The admin's forms keep Django's default renderer:
#: its widgets have Django templates only.
READER_FORMS = Jinja2()
