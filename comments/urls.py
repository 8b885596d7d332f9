from django.urls import path

from . import views

app_name = "comments"

urlpatterns = [
    path("post/<int:article_id>/", views.post_comment, name="post"),
    path("confirm/<str:token>/", views.confirm_notifications, name="confirm"),
    path("stop/<str:token>/", views.stop_notifications, name="stop"),
]
