from django.urls import path

from credit import views

app_name = "credit"

urlpatterns = [
    path("customers/<int:customer_id>/", views.customer_credit, name="customer"),
    path("customers/<int:customer_id>/hold/place/", views.hold_place, name="hold-place"),
    path("customers/<int:customer_id>/hold/release/", views.hold_release, name="hold-release"),
    path("customers/<int:customer_id>/review/", views.review_complete, name="review-complete"),
    path("check/", views.credit_check, name="check"),
    path("reviews/", views.review_queue, name="reviews"),
]
